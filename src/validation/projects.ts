// Project and location forms (docs/usage.md).
import { z } from "zod";
import { description, name } from "./common.js";

export const projectForm = z.object({ name: name(), description });
export type ProjectForm = z.output<typeof projectForm>;

export const locationForm = z.object({ name: name(), description });
export type LocationForm = z.output<typeof locationForm>;
