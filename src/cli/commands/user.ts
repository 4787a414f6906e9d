// `conntrackt user create|passwd|list` (docs/cli.md): accounts without the web
// interface. `user list` only reads: it opens the database read-only.
import { isUniqueViolation } from "../../data/errors.js";
import { createUser, getUserByName, listGroups, listUsers, setPassword, usernameTaken } from "../../data/users.js";
import { PasswordHasher } from "../../services/passwords.js";
import { userForm } from "../../validation/accounts.js";
import { readConfig, withDatabase, withReadOnlyDatabase } from "../database.js";
import { CliError, type CliIo, say } from "../io.js";
import { newPassword } from "../prompts.js";
import { type Command, helpOption } from "../runner.js";

/** New hashes get the configured cost (PASSWORD_HASH_COST, docs/install.md), as in the server. */
const hasher = (io: CliIo) => new PasswordHasher({ cost: readConfig(io).PASSWORD_HASH_COST });

export const userCreateCommand: Command = {
  name: "user create",
  summary: "create a user account",
  usage: "conntrackt user create USERNAME [--superuser] [--group NAME]... [--password-stdin]",
  help: `Options:
  --superuser        the user has every permission and manages accounts
  --group NAME       add the user to a group (Viewers, Editors, …); repeatable
  --password-stdin   read the password from the first line of standard input;
                     without it the password is asked twice on the terminal

Examples:
  conntrackt user create alice --group Editors
  printf '%s\\n' "$PASSWORD" | conntrackt user create bob --group Viewers --password-stdin`,
  options: {
    ...helpOption,
    superuser: { type: "boolean" },
    group: { type: "string", multiple: true },
    "password-stdin": { type: "boolean" },
  },
  positionals: [1, 1],
  async run({ io, args, values }) {
    const parsed = userForm.shape.username.safeParse(args[0]);
    if (!parsed.success) throw new CliError(parsed.error.issues[0]?.message ?? "invalid username");
    const username = parsed.data;
    const groupNames = (values.group as string[] | undefined) ?? [];
    const password = await newPassword(io, Boolean(values["password-stdin"]), username);
    const passwordHash = await hasher(io).hash(password);
    return withDatabase(io, async (db) => {
      const groups = await listGroups(db);
      const groupIds = groupNames.map((g) => {
        const found = groups.find((x) => x.name === g);
        if (!found) throw new CliError(`no group named "${g}" (groups: ${groups.map((x) => x.name).join(", ")})`);
        return found.id;
      });
      try {
        await createUser(db, {
          username,
          passwordHash,
          isActive: true,
          isSuperuser: Boolean(values.superuser),
          groupIds: [...new Set(groupIds)],
          permissions: [],
        });
      } catch (error) {
        if (isUniqueViolation(error)) {
          const taken = (await usernameTaken(db, username)) ?? username;
          throw new CliError(`a user named "${taken}" already exists (user names are compared regardless of case)`);
        }
        throw error;
      }
      const extra = [values.superuser ? "superuser" : "", groupNames.length ? `groups: ${groupNames.join(", ")}` : ""]
        .filter(Boolean)
        .join("; ");
      await say(io, `Created user "${username}"${extra ? ` (${extra})` : ""}.`);
      return 0;
    });
  },
};

export const userPasswdCommand: Command = {
  name: "user passwd",
  summary: "set a user's password",
  usage: "conntrackt user passwd USERNAME [--password-stdin]",
  help: `Sets the password and ends the user's sessions (they log in again).

Options:
  --password-stdin   read the password from the first line of standard input

Example:
  conntrackt user passwd admin`,
  options: { ...helpOption, "password-stdin": { type: "boolean" } },
  positionals: [1, 1],
  async run({ io, args, values }) {
    const username = args[0] as string;
    return withDatabase(io, async (db) => {
      const user = await getUserByName(db, username);
      if (!user) throw new CliError(`no user named "${username}"`);
      const password = await newPassword(io, Boolean(values["password-stdin"]), username);
      await setPassword(db, user.id, await hasher(io).hash(password));
      await say(io, `Password of "${username}" changed; their sessions were ended.`);
      return 0;
    });
  },
};

export const userListCommand: Command = {
  name: "user list",
  summary: "list user accounts",
  usage: "conntrackt user list",
  help: `Lists every account: name, whether it is active or a superuser, its groups and last log-in.
Only reads: works on a read-only copy and while another process writes.`,
  options: helpOption,
  positionals: [0, 0],
  async run({ io }) {
    const users = await withReadOnlyDatabase(io, (db) => listUsers(db));
    const rows = [
      ["USERNAME", "ACTIVE", "SUPERUSER", "GROUPS", "LAST LOGIN"],
      ...users.map((u) => [
        u.username,
        u.isActive ? "yes" : "no",
        u.isSuperuser ? "yes" : "no",
        u.groups.map((g) => g.name).join(",") || "-",
        u.lastLoginAt ? u.lastLoginAt.toISOString().replace(/\.\d+Z$/, "Z") : "never",
      ]),
    ];
    const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
    for (const row of rows) {
      await say(
        io,
        row
          .map((cell, i) => cell.padEnd(widths[i] ?? 0))
          .join("  ")
          .trimEnd(),
      );
    }
    return 0;
  },
};
