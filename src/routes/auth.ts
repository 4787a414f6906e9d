// Log-in and log-out (docs/usage.md): passport-local, a new session id and a new
// CSRF token at log-in. Every attempt is counted by the throttle when it
// arrives, before the password is checked (docs/install.md, "Log-in throttle").
import { type NextFunction, type Request, type Response, Router } from "express";
import { recordLogin } from "../data/users.js";
import { PasswordHasherBusy } from "../services/passwords.js";
import { loginForm } from "../validation/accounts.js";
import { formValues, parseForm } from "../validation/common.js";
import { rotateCsrfToken } from "../web/csrf.js";
import type { AppDeps } from "../web/deps.js";
import { flash } from "../web/flash.js";
import { safeNext } from "../web/safe-next.js";
import { startSession } from "../web/sessions.js";

/** The one message for an unknown user, a wrong password and an inactive account. */
export const LOGIN_FAILED = "Please enter a correct username and password.";
/** How long a client is asked to wait when every password check slot is taken. */
const BUSY_RETRY_SECONDS = 5;

export function authRouter({ db, passport, throttle, config }: AppDeps): Router {
  const router = Router();

  const show = (req: Request, res: Response, status: number, error = "") =>
    res.status(status).render("auth/login.njk", {
      title: "Log in",
      next: safeNext(req.query.next, ""),
      values: { username: formValues(req.body).username ?? "" },
      error,
    });
  const refuse = (req: Request, res: Response, seconds: number, message: string) => {
    res.set("Retry-After", String(seconds));
    show(req, res, 429, message);
  };

  router.get("/login", (req, res) => {
    if (req.user) return res.redirect(safeNext(req.query.next));
    show(req, res, 200);
  });

  router.post("/login", async (req, res, next) => {
    const parsed = parseForm(loginForm, req.body);
    if (!parsed.ok) return show(req, res, 422, "Please enter a username and a password.");
    const { username } = parsed.data;
    const address = req.ip ?? "unknown";
    const attempt = await throttle.attempt(username, address);
    if (!attempt.allowed) {
      const minutes = Math.ceil(attempt.retryAfterSeconds / 60);
      return refuse(
        req,
        res,
        attempt.retryAfterSeconds,
        `Too many log-in attempts. Try again in ${minutes} minute(s).`,
      );
    }
    req.body.username = username;
    passport.authenticate("local", (err: unknown, user: Express.User | false) => {
      if (err instanceof PasswordHasherBusy) {
        return refuse(
          req,
          res,
          BUSY_RETRY_SECONDS,
          "The server is busy checking other log-ins. Try again in a few seconds.",
        );
      }
      if (err) return next(err);
      if (!user) return show(req, res, 401, LOGIN_FAILED);
      // passport regenerates the session id here (no session fixation).
      req.login(user, (loginErr) => void loggedIn(req, res, next, loginErr, user, username, address));
    })(req, res, next);
  });

  // Any failure here (the database, the session store) reaches the error
  // handler as a 500: a rejected promise in a callback would be unhandled.
  async function loggedIn(
    req: Request,
    res: Response,
    next: NextFunction,
    loginErr: unknown,
    user: Express.User,
    username: string,
    address: string,
  ): Promise<void> {
    try {
      if (loginErr) throw loginErr;
      startSession(req, config);
      rotateCsrfToken(req);
      await throttle.succeeded(username, address);
      await recordLogin(db, user.id);
      res.redirect(303, safeNext(req.query.next));
    } catch (error) {
      next(error);
    }
  }

  router.post("/logout", (req, res, next) => {
    req.logout((err) => {
      if (err) return next(err);
      flash(req, "info", "You have been logged out.");
      res.redirect(303, "/login");
    });
  });

  return router;
}
