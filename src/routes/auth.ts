// Log-in and log-out (docs/usage.md): passport-local, a new session id and a new
// CSRF token at log-in, failed attempts throttled per account and address.
import { type Request, type Response, Router } from "express";
import { recordLogin } from "../data/users.js";
import { loginForm } from "../validation/accounts.js";
import { formValues, parseForm } from "../validation/common.js";
import { rotateCsrfToken } from "../web/csrf.js";
import type { AppDeps } from "../web/deps.js";
import { flash } from "../web/flash.js";
import { safeNext } from "../web/safe-next.js";

export function authRouter({ db, passport, throttle }: AppDeps): Router {
  const router = Router();

  const show = (req: Request, res: Response, status: number, error = "") =>
    res.status(status).render("auth/login.njk", {
      title: "Log in",
      next: safeNext(req.query.next, ""),
      values: { username: formValues(req.body).username ?? "" },
      error,
    });

  router.get("/login", (req, res) => {
    if (req.user) return res.redirect(safeNext(req.query.next));
    show(req, res, 200);
  });

  router.post("/login", async (req, res, next) => {
    const parsed = parseForm(loginForm, req.body);
    if (!parsed.ok) return show(req, res, 422, "Please enter a username and a password.");
    const { username } = parsed.data;
    const address = req.ip ?? "unknown";
    const wait = throttle.retryAfter(username, address);
    if (wait > 0) {
      res.set("Retry-After", String(wait));
      return show(req, res, 429, `Too many failed log-ins. Try again in ${Math.ceil(wait / 60)} minute(s).`);
    }
    req.body.username = username;
    passport.authenticate("local", (err: unknown, user: Express.User | false, info?: { message?: string }) => {
      if (err) return next(err);
      if (!user) {
        throttle.recordFailure(username, address);
        return show(req, res, 401, info?.message ?? "Please enter a correct username and password.");
      }
      // passport regenerates the session id here (no session fixation).
      req.login(user, async (loginErr) => {
        if (loginErr) return next(loginErr);
        throttle.recordSuccess(username);
        rotateCsrfToken(req);
        await recordLogin(db, user.id);
        res.redirect(303, safeNext(req.query.next));
      });
    })(req, res, next);
  });

  router.post("/logout", (req, res, next) => {
    req.logout((err) => {
      if (err) return next(err);
      flash(req, "info", "You have been logged out.");
      res.redirect(303, "/login");
    });
  });

  return router;
}
