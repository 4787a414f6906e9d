// Every command of `conntrackt`, in the order `conntrackt --help` lists them.
import type { Command } from "../runner.js";
import { backupCommand } from "./backup.js";
import { copyCommand } from "./copy.js";
import { deployMarkCommand } from "./deploy-mark.js";
import { diffCommand } from "./diff.js";
import { driftCommand } from "./drift.js";
import { exportCommand } from "./export.js";
import { importCommand } from "./import.js";
import { importCsvCommand } from "./import-csv.js";
import { iptablesCommand } from "./iptables.js";
import { migrateCommand } from "./migrate.js";
import { reachCommand } from "./reach.js";
import { reportCommand } from "./report.js";
import { restoreCommand } from "./restore.js";
import { userCreateCommand, userListCommand, userPasswdCommand } from "./user.js";

export const COMMANDS: Command[] = [
  migrateCommand,
  userCreateCommand,
  userPasswdCommand,
  userListCommand,
  exportCommand,
  importCommand,
  importCsvCommand,
  iptablesCommand,
  deployMarkCommand,
  diffCommand,
  driftCommand,
  reachCommand,
  reportCommand,
  backupCommand,
  restoreCommand,
  copyCommand,
];
