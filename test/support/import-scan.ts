// Lists the import and re-export statements of a TypeScript module without a
// compiler (the project's TypeScript 7 has no JavaScript API): a small lexer
// skips comments, strings, template literals and regular expressions, so an
// `import` inside a string (the diagram worker's source) is not mistaken for
// one. Used by test/unit/layers.test.ts (docs/architecture.md).

export interface ImportRecord {
  /** The module specifier as written: "../data/engine.js", "express". */
  specifier: string;
  /** Erased at compile time: `import type`, `export type … from`, or every named binding marked `type`. */
  typeOnly: boolean;
  /** `import("x")`: loaded when the code runs, not when the module loads. */
  dynamic: boolean;
  line: number;
}

type Token =
  | { kind: "word"; value: string; line: number }
  | { kind: "string"; value: string; line: number }
  | { kind: "punct"; value: string; line: number }
  | { kind: "other"; line: number };

/** After these words a `/` starts a regular expression, not a division. */
const BEFORE_EXPRESSION = new Set([
  "return",
  "typeof",
  "instanceof",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "case",
  "do",
  "else",
  "yield",
  "await",
]);

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  let line = 1;
  const fail = (what: string): never => {
    throw new Error(`import scan: ${what} starting on line ${line}`);
  };
  const advanceTo = (end: number) => {
    for (let i = at; i < end; i++) if (source[i] === "\n") line++;
    at = end;
  };
  const regexAllowed = () => {
    const prev = tokens[tokens.length - 1];
    if (!prev) return true;
    if (prev.kind === "word") return BEFORE_EXPRESSION.has(prev.value);
    if (prev.kind === "punct") return !")]}".includes(prev.value);
    return false;
  };
  /**
   * What each open `{` belongs to: a block or object ("code"), or a `${`
   * inside a template literal, after whose `}` the template goes on.
   */
  const braces: ("code" | "template")[] = [];
  /** Skips template text from `at` (just past a backtick or a `}`) to its end or to its next `${`. */
  const skipTemplate = () => {
    while (at < source.length) {
      const c = source[at];
      if (c === "\\") advanceTo(at + 2);
      else if (c === "`") {
        at++;
        return;
      } else if (c === "$" && source[at + 1] === "{") {
        advanceTo(at + 2);
        braces.push("template");
        return;
      } else advanceTo(at + 1);
    }
    fail("unterminated template literal");
  };
  const readString = (quote: string): string => {
    let value = "";
    at++;
    while (at < source.length) {
      const c = source[at] as string;
      if (c === "\\") {
        value += source.slice(at, at + 2);
        advanceTo(at + 2);
      } else if (c === quote) {
        at++;
        return value;
      } else if (c === "\n") fail("unterminated string");
      else {
        value += c;
        at++;
      }
    }
    return fail("unterminated string");
  };
  const skipRegex = () => {
    let inClass = false;
    at++;
    while (at < source.length) {
      const c = source[at];
      if (c === "\\") at += 2;
      else if (c === "\n") fail("unterminated regular expression");
      else {
        at++;
        if (c === "[") inClass = true;
        else if (c === "]") inClass = false;
        else if (c === "/" && !inClass) break;
      }
    }
    while (/[a-z]/i.test(source[at] ?? "")) at++;
  };

  while (at < source.length) {
    const c = source[at] as string;
    const start = line;
    if (c === "\n" || c === " " || c === "\t" || c === "\r") advanceTo(at + 1);
    else if (source.startsWith("//", at)) {
      const end = source.indexOf("\n", at);
      at = end === -1 ? source.length : end;
    } else if (source.startsWith("/*", at)) {
      const end = source.indexOf("*/", at + 2);
      if (end === -1) fail("unterminated comment");
      advanceTo(end + 2);
    } else if (c === '"' || c === "'") {
      tokens.push({ kind: "string", value: readString(c), line: start });
    } else if (c === "`") {
      at++;
      skipTemplate();
      tokens.push({ kind: "other", line: start });
    } else if (c === "}" && braces[braces.length - 1] === "template") {
      braces.pop();
      at++;
      skipTemplate();
      tokens.push({ kind: "other", line: start });
    } else if (c === "/" && regexAllowed()) {
      skipRegex();
      tokens.push({ kind: "other", line: start });
    } else if (/[A-Za-z_$]/.test(c)) {
      const word = /^[\w$]+/.exec(source.slice(at, at + 200))?.[0] as string;
      tokens.push({ kind: "word", value: word, line: start });
      at += word.length;
    } else if (/[0-9]/.test(c)) {
      const number = /^[\w.]+/.exec(source.slice(at, at + 100))?.[0] as string;
      tokens.push({ kind: "other", line: start });
      at += number.length;
    } else {
      if (c === "{") braces.push("code");
      else if (c === "}") braces.pop();
      tokens.push({ kind: "punct", value: c, line: start });
      at++;
    }
  }
  if (braces.includes("template")) fail("unterminated template literal");
  return tokens;
}

const isWord = (token: Token | undefined, value?: string) =>
  token?.kind === "word" && (value === undefined || token.value === value);
const isPunct = (token: Token | undefined, value: string) => token?.kind === "punct" && token.value === value;

/** True when every element of the `{ … }` starting at `open` is marked `type` (and there is at least one). */
function allTypeSpecifiers(tokens: Token[], open: number): { typeOnly: boolean; close: number } {
  let close = open + 1;
  let elements = 0;
  let typed = 0;
  let elementStart = true;
  for (; close < tokens.length && !isPunct(tokens[close], "}"); close++) {
    const token = tokens[close];
    if (isPunct(token, ",")) {
      elementStart = true;
      continue;
    }
    if (elementStart) {
      elements++;
      // `type A`, `type A as B`; but `type as B` and `type,` name a binding called "type".
      const next = tokens[close + 1];
      if (isWord(token, "type") && isWord(next) && !(isWord(next, "as") && !isWord(tokens[close + 2], "as"))) typed++;
      elementStart = false;
    }
  }
  return { typeOnly: elements > 0 && elements === typed, close };
}

/** The import and re-export statements of `source`, with dynamic `import("…")` calls. */
export function scanImports(source: string): ImportRecord[] {
  const tokens = tokenize(source);
  const records: ImportRecord[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    const prev = tokens[i - 1];
    if (!isWord(token, "import") && !isWord(token, "export")) continue;
    // `x.import`, `{ import: 1 }`: a property, not a statement.
    if (isPunct(prev, ".") || isPunct(tokens[i + 1], ":")) continue;
    const keyword = (token as { value: string }).value;
    const next = tokens[i + 1];
    if (keyword === "import" && isPunct(next, ".")) continue; // import.meta
    if (keyword === "import" && isPunct(next, "(")) {
      const argument = tokens[i + 2];
      if (argument?.kind === "string") {
        records.push({ specifier: argument.value, typeOnly: isWord(prev, "typeof"), dynamic: true, line: token.line });
      }
      continue;
    }
    let j = i + 1;
    let typeOnly = false;
    if (isWord(tokens[j], "type") && !isWord(tokens[j + 1], "from") && !isPunct(tokens[j + 1], ",")) {
      // `import type X`, `export type { … }`; but `export type Name = …` declares a type.
      if (keyword === "export" && !isPunct(tokens[j + 1], "{") && !isPunct(tokens[j + 1], "*")) continue;
      typeOnly = true;
      j++;
    }
    if (keyword === "export" && !isPunct(tokens[j], "{") && !isPunct(tokens[j], "*")) continue;
    if (keyword === "import" && tokens[j]?.kind === "string") {
      records.push({ specifier: (tokens[j] as { value: string }).value, typeOnly, dynamic: false, line: token.line });
      continue;
    }
    // Walk to `from "…"` (or `= require("…")`), noting whether only types are named.
    let onlyBraces = true;
    let sawBraces = false;
    for (; j < tokens.length; j++) {
      const t = tokens[j] as Token;
      if (isPunct(t, "{")) {
        const braces = allTypeSpecifiers(tokens, j);
        sawBraces = true;
        if (!braces.typeOnly) onlyBraces = false;
        j = braces.close;
        continue;
      }
      if (isWord(t, "from") && tokens[j + 1]?.kind === "string") {
        const specifier = (tokens[j + 1] as { value: string }).value;
        records.push({ specifier, typeOnly: typeOnly || (sawBraces && onlyBraces), dynamic: false, line: token.line });
        break;
      }
      if (isWord(t, "require") && isPunct(tokens[j + 1], "(") && tokens[j + 2]?.kind === "string") {
        const specifier = (tokens[j + 2] as { value: string }).value;
        records.push({ specifier, typeOnly, dynamic: false, line: token.line });
        break;
      }
      if (isPunct(t, ";")) break;
      // A default or namespace binding next to the braces loads the module.
      if (!isPunct(t, ",") && !isWord(t, "as") && !isPunct(t, "*")) onlyBraces = false;
      if (isPunct(t, "*")) onlyBraces = false;
    }
  }
  return records;
}
