// The account page (docs/usage.md, "Account"): every logged-in user changes
// their own password and manages their API tokens (docs/api.md); superusers
// also see and revoke everyone's tokens. A new token is shown once, in the
// answer to the form that created it, and never stored: only its hash is.
import { type Request, type Response, Router } from "express";
import { createToken, deleteToken, getToken, listTokens, type TokenRow } from "../data/tokens.js";
import { findUserForLogin, setPassword } from "../data/users.js";
import { PasswordHasherBusy } from "../services/passwords.js";
import { newToken } from "../services/tokens.js";
import { ownPasswordForm, TOKEN_ACCESS, tokenExpiresDate, tokenForm } from "../validation/account.js";
import { type FieldErrors, formValues, parseForm } from "../validation/common.js";
import type { AppDeps } from "../web/deps.js";
import { flash } from "../web/flash.js";
import { notFound } from "../web/http-errors.js";
import { load } from "../web/load.js";

/** The log-in throttle's words when the hasher is full (docs/install.md, "Log-in throttle"). */
const BUSY = "The server is busy checking other passwords. Try again in a few seconds.";
const BUSY_RETRY_SECONDS = 5;

interface FormState {
  values: Record<string, string | string[]>;
  errors: Partial<FieldErrors>;
}

const empty = (values: Record<string, string> = {}): FormState => ({ values, errors: {} });

/** A token as the page lists it. */
const shown = (t: TokenRow) => ({ ...t, expires: t.expiresAt ? tokenExpiresDate(t.expiresAt) : null });

export function accountRouter({ db, passwords, throttle }: AppDeps): Router {
  const router = Router();

  router.param(
    "tokenId",
    load("token", "token", (id) => getToken(db, id)),
  );

  const render = async (
    req: Request,
    res: Response,
    status: number,
    forms: { password?: FormState; token?: FormState; created?: { token: string; name: string } } = {},
  ) => {
    const user = req.user as Express.User;
    const tokens = await listTokens(db, user.isSuperuser ? undefined : user.id);
    res.status(status).render("account/index.njk", {
      title: "Account",
      password: forms.password ?? empty(),
      token: forms.token ?? empty({ access: "read" }),
      created: forms.created,
      accessOptions: TOKEN_ACCESS,
      tokens: tokens.filter((t) => t.user.id === user.id).map(shown),
      otherTokens: tokens.filter((t) => t.user.id !== user.id).map(shown),
    });
  };

  router.get("/account", (req, res) => render(req, res, 200));

  router.post("/account/password", async (req, res) => {
    const user = req.user as Express.User;
    const values = formValues(req.body);
    delete values.current;
    delete values.password;
    delete values.password2;
    const refuse = (errors: Partial<FieldErrors>, status = 422) =>
      render(req, res, status, { password: { values, errors } });
    const parsed = parseForm(ownPasswordForm, req.body);
    if (!parsed.ok) return refuse(parsed.errors);
    // The current password is a log-in attempt: the same throttle keeps a
    // stolen session from guessing it (docs/install.md, "Log-in throttle").
    const address = req.ip ?? "unknown";
    const attempt = await throttle.attempt(user.username, address);
    if (!attempt.allowed) {
      res.set("Retry-After", String(attempt.retryAfterSeconds));
      return refuse({ current: "Too many wrong passwords. Try again later." }, 429);
    }
    const account = await findUserForLogin(db, user.username);
    try {
      const ok = account?.id === user.id && (await passwords.verify(parsed.data.current, account.passwordHash));
      if (!ok) return refuse({ current: "The current password is wrong." });
      await throttle.succeeded(user.username, address);
      const passwordHash = await passwords.hash(parsed.data.password);
      // Ends every other session of this user; this one stays logged in.
      await setPassword(db, user.id, passwordHash, req.sessionID);
    } catch (error) {
      if (error instanceof PasswordHasherBusy) {
        res.set("Retry-After", String(BUSY_RETRY_SECONDS));
        return refuse({ current: BUSY }, 429);
      }
      throw error;
    }
    req.log.info({ user: user.username }, "password changed on the account page");
    flash(req, "success", "Your password was changed; your other sessions were ended.");
    res.redirect(303, "/account");
  });

  router.post("/account/tokens", async (req, res) => {
    const user = req.user as Express.User;
    const values = formValues(req.body);
    const parsed = parseForm(tokenForm, req.body);
    if (!parsed.ok) return render(req, res, 422, { token: { values, errors: parsed.errors } });
    const { token, tokenHash } = newToken();
    const row = await createToken(db, { ...parsed.data, userId: user.id, tokenHash });
    req.log.info(
      {
        user: user.username,
        apiToken: { id: row.id, name: row.name, readOnly: row.readOnly, expiresAt: row.expiresAt },
      },
      "API token created",
    );
    await render(req, res, 201, { created: { token, name: row.name } });
  });

  router.post("/account/tokens/:tokenId/revoke", async (req, res) => {
    const user = req.user as Express.User;
    const token = res.locals.token as TokenRow;
    // Someone else's token does not exist for a user who may not revoke it.
    if (token.user.id !== user.id && !user.isSuperuser) throw notFound("token");
    if (!(await deleteToken(db, token.id))) throw notFound("token");
    req.log.info(
      { user: user.username, apiToken: { id: token.id, name: token.name, owner: token.user.username } },
      "API token revoked",
    );
    const whose = token.user.id === user.id ? "" : ` of ${token.user.username}`;
    flash(req, "success", `Token "${token.name}"${whose} was revoked.`);
    res.redirect(303, "/account");
  });

  return router;
}
