// Types the web layer adds to Express and express-session.
import type { CurrentUser } from "../data/users.js";

export interface Flash {
  type: "success" | "error" | "info";
  message: string;
}

declare module "express-session" {
  interface SessionData {
    csrfToken?: string;
    flash?: Flash[];
  }
}

declare global {
  namespace Express {
    interface User extends CurrentUser {}
  }
}
