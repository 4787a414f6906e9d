// The form cycle every resource shares: parse with a zod schema, re-display
// with the input kept and one message per field, turn database uniqueness
// failures into field errors, and never lose the user's input.
import type { Request, Response } from "express";
import type { z } from "zod";
import { uniqueViolationFields } from "../data/errors.js";
import { type FieldErrors, formValues, parseForm } from "../validation/common.js";

export interface FormPage {
  view: string;
  locals: Record<string, unknown>;
}

export function renderForm(
  res: Response,
  page: FormPage,
  values: object,
  errors: Partial<FieldErrors> = {},
  status = 200,
): void {
  res.status(status).render(page.view, { ...page.locals, values, errors });
}

/**
 * Handles a form POST. `save` gets the parsed data and returns the URL to go
 * to; when it throws a unique-constraint error, `duplicate` names the field
 * and message to show. Invalid input answers 422 with the form.
 */
export async function submitForm<S extends z.ZodType>(
  req: Request,
  res: Response,
  options: {
    schema: S;
    page: FormPage | (() => Promise<FormPage>);
    save: (data: z.output<S>) => Promise<string | Partial<Record<string, string>>>;
    duplicate: (fields: string[]) => Partial<FieldErrors>;
  },
): Promise<void> {
  const values = formValues(req.body);
  const page = async () => (typeof options.page === "function" ? options.page() : options.page);
  const parsed = parseForm(options.schema, req.body);
  if (!parsed.ok) return renderForm(res, await page(), values, parsed.errors, 422);
  try {
    const outcome = await options.save(parsed.data);
    if (typeof outcome === "string") return res.redirect(303, outcome);
    return renderForm(res, await page(), values, outcome, 422);
  } catch (error) {
    const fields = uniqueViolationFields(error);
    if (fields === null) throw error;
    return renderForm(res, await page(), values, options.duplicate(fields), 422);
  }
}
