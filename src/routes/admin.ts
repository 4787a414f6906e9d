// Account administration for superusers (docs/usage.md): users, their groups and
// permissions, passwords, deactivation; groups and their permissions.
import { type Request, type Response, Router } from "express";
import {
  createUser,
  deleteGroup,
  deleteUser,
  type GroupRow,
  getGroup,
  getUser,
  listGroups,
  listUsers,
  saveGroup,
  setPassword,
  type UserRow,
  updateUser,
  usernameTaken,
} from "../data/users.js";
import { PERMISSION_CODES } from "../domain/constants.js";
import { PasswordHasherBusy } from "../services/passwords.js";
import { groupForm, newUserForm, passwordForm, userForm } from "../validation/accounts.js";
import { wantsAnother } from "../web/add-another.js";
import { requireSuperuser } from "../web/auth.js";
import type { AppDeps } from "../web/deps.js";
import { flash } from "../web/flash.js";
import { renderForm, submitForm } from "../web/forms.js";
import { load } from "../web/load.js";

const permissionOptions = PERMISSION_CODES.map((code) => ({ value: code, label: code }));

export function adminRouter({ db, passwords }: AppDeps): Router {
  const router = Router();
  router.use("/admin", requireSuperuser);

  router.param(
    "userId",
    load("user", "account", (id) => getUser(db, id)),
  );
  router.param(
    "groupId",
    load("group", "group", (id) => getGroup(db, id)),
  );

  router.get("/admin", async (_req, res) => {
    const [users, groups] = await Promise.all([listUsers(db), listGroups(db)]);
    res.render("admin/index.njk", { title: "Administration", users, groups });
  });

  const userPage = async (title: string, isNew: boolean) => ({
    view: "admin/user-form.njk",
    locals: {
      title,
      isNew,
      groupOptions: (await listGroups(db)).map((g) => ({ value: g.id, label: g.name })),
      permissionOptions,
    },
  });
  const duplicateUser = () => ({ username: "A user with this username already exists." });
  // User names are unique regardless of case (docs/usage.md): say which
  // account a case variant clashes with. The unique usernameKey column is the
  // last word (duplicateUser) when two admins race.
  const nameClash = async (username: string, exceptId?: number) => {
    const taken = await usernameTaken(db, username, exceptId);
    return taken === null
      ? null
      : { username: `A user named "${taken}" already exists (user names are compared regardless of case).` };
  };
  // The log-in throttle's cap on concurrent hashes applies here too.
  const busy = { password: "The server is busy checking other passwords. Try again in a few seconds." };
  const hashOrBusy = async (password: string) => {
    try {
      return await passwords.hash(password);
    } catch (error) {
      if (error instanceof PasswordHasherBusy) return null;
      throw error;
    }
  };
  // A group id that names no group (a forged form, a group deleted meanwhile)
  // is a form error, not a foreign-key failure.
  const unknownGroups = { groups: "Choose groups from the list." };
  const knownGroups = async (ids: number[]) => {
    const existing = new Set((await listGroups(db)).map((g) => g.id));
    return ids.every((id) => existing.has(id));
  };

  router.get("/admin/users/new", async (_req, res) =>
    renderForm(res, await userPage("Add user", true), { username: "", isActive: "on", groups: [], permissions: [] }),
  );
  router.post("/admin/users/new", (req, res) =>
    submitForm(req, res, {
      schema: newUserForm,
      page: () => userPage("Add user", true),
      duplicate: duplicateUser,
      save: async (data) => {
        const clash = await nameClash(data.username);
        if (clash) return clash;
        if (!(await knownGroups(data.groups))) return unknownGroups;
        const passwordHash = await hashOrBusy(data.password);
        if (passwordHash === null) return busy;
        await createUser(db, { ...data, groupIds: data.groups, passwordHash });
        flash(req, "success", `User "${data.username}" was added.`);
        // Issue 13 defect 3: such an account can log in but sees only a 403 page.
        if (!data.isSuperuser && data.groups.length === 0 && data.permissions.length === 0) {
          flash(
            req,
            "info",
            `Warning: "${data.username}" is in no group and has no permissions, so they can log in but see no page yet. Edit the user to add a group.`,
          );
        }
        // Save and add another (docs/usage.md "Forms"): an empty form again.
        return wantsAnother(req) ? "/admin/users/new" : "/admin";
      },
    }),
  );

  const userValues = (u: UserRow) => ({
    username: u.username,
    isActive: u.isActive ? "on" : undefined,
    isSuperuser: u.isSuperuser ? "on" : undefined,
    groups: u.groups.map((g) => String(g.id)),
    permissions: u.permissions,
  });
  router.get("/admin/users/:userId/edit", async (_req, res) => {
    const account = res.locals.account as UserRow;
    renderForm(res, await userPage(`Edit user ${account.username}`, false), userValues(account));
  });
  router.post("/admin/users/:userId/edit", (req: Request, res: Response) => {
    const account = res.locals.account as UserRow;
    return submitForm(req, res, {
      schema: userForm,
      page: () => userPage(`Edit user ${account.username}`, false),
      duplicate: duplicateUser,
      save: async (data) => {
        if (account.id === req.user?.id && (!data.isActive || !data.isSuperuser)) {
          return { isActive: "You cannot deactivate yourself or remove your own superuser status." };
        }
        const clash = await nameClash(data.username, account.id);
        if (clash) return clash;
        if (!(await knownGroups(data.groups))) return unknownGroups;
        await updateUser(db, account.id, { ...data, groupIds: data.groups });
        flash(req, "success", `User "${data.username}" was changed.`);
        return "/admin";
      },
    });
  });

  const passwordPage = (u: UserRow) => ({
    view: "admin/password-form.njk",
    locals: { title: `Set password of ${u.username}` },
  });
  router.get("/admin/users/:userId/password", (_req, res) => renderForm(res, passwordPage(res.locals.account), {}));
  router.post("/admin/users/:userId/password", (req, res) => {
    const account = res.locals.account as UserRow;
    return submitForm(req, res, {
      schema: passwordForm,
      page: passwordPage(account),
      duplicate: () => ({}),
      save: async (data) => {
        // Ends the user's other sessions; an admin changing their own keeps this one.
        const passwordHash = await hashOrBusy(data.password);
        if (passwordHash === null) return busy;
        await setPassword(db, account.id, passwordHash, req.sessionID);
        flash(req, "success", `The password of "${account.username}" was set; their other sessions were ended.`);
        return "/admin";
      },
    });
  });

  router.get("/admin/users/:userId/delete", (req, res) => {
    const account = res.locals.account as UserRow;
    res.render("admin/user-delete.njk", {
      title: `Delete user ${account.username}`,
      account,
      isSelf: account.id === req.user?.id,
    });
  });
  router.post("/admin/users/:userId/delete", async (req, res) => {
    const account = res.locals.account as UserRow;
    if (account.id === req.user?.id) {
      flash(req, "error", "You cannot delete your own account.");
      return res.redirect(303, "/admin");
    }
    await deleteUser(db, account.id);
    flash(req, "success", `User "${account.username}" was deleted; their sessions and API tokens were ended.`);
    res.redirect(303, "/admin");
  });

  const groupPage = (title: string, isNew = false) => ({
    view: "admin/group-form.njk",
    locals: { title, isNew, permissionOptions },
  });
  const duplicateGroup = () => ({ name: "A group with this name already exists." });
  router.get("/admin/groups/new", (_req, res) =>
    renderForm(res, groupPage("Add group", true), { name: "", permissions: [] }),
  );
  router.post("/admin/groups/new", (req, res) =>
    submitForm(req, res, {
      schema: groupForm,
      page: groupPage("Add group", true),
      duplicate: duplicateGroup,
      save: async (data) => {
        await saveGroup(db, null, data);
        flash(req, "success", `Group "${data.name}" was added.`);
        return wantsAnother(req) ? "/admin/groups/new" : "/admin";
      },
    }),
  );
  router.get("/admin/groups/:groupId/edit", (_req, res) => {
    const group = res.locals.group as GroupRow;
    renderForm(res, groupPage(`Edit group ${group.name}`), group);
  });
  router.post("/admin/groups/:groupId/edit", (req, res) => {
    const group = res.locals.group as GroupRow;
    return submitForm(req, res, {
      schema: groupForm,
      page: groupPage(`Edit group ${group.name}`),
      duplicate: duplicateGroup,
      save: async (data) => {
        await saveGroup(db, group.id, data);
        flash(req, "success", `Group "${data.name}" was changed.`);
        return "/admin";
      },
    });
  });
  router.get("/admin/groups/:groupId/delete", (_req, res) => {
    const group = res.locals.group as GroupRow;
    res.render("admin/group-delete.njk", { title: `Delete group ${group.name}`, group });
  });
  router.post("/admin/groups/:groupId/delete", async (req, res) => {
    const group = res.locals.group as GroupRow;
    await deleteGroup(db, group.id);
    flash(req, "success", `Group "${group.name}" was deleted.`);
    res.redirect(303, "/admin");
  });

  return router;
}
