// Who a command acts as, for what it records (docs/cli.md): the operating-system
// user that runs it, or `cli` where the system names none.
import { userInfo } from "node:os";

export function cliActor(): string {
  try {
    return userInfo().username || "cli";
  } catch {
    // A uid without a passwd entry (some containers) has no name.
    return "cli";
  }
}
