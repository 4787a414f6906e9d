// A strict little XML parser for tests: enough to prove well-formedness (one
// root, matched tags, unique quoted attributes, valid references and characters).

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: (XmlElement | string)[];
}

const NAME = /[A-Za-z_:][\w:.-]*/y;
const PREDEFINED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

const NOT_XML_CHAR =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: XML 1.0 forbids these characters.
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function decodeXmlText(raw: string, where: string): string {
  const bad = NOT_XML_CHAR.exec(raw);
  if (bad) throw new Error(`character U+${bad[0].charCodeAt(0).toString(16)} not allowed in XML (${where})`);
  if (raw.includes("<")) throw new Error(`raw < in ${where}`);
  return raw.replace(/&([^;]*);|&/g, (whole, ref: string | undefined) => {
    if (ref === undefined) throw new Error(`bare & in ${where}`);
    if (/^#x[0-9a-fA-F]+$/.test(ref)) return String.fromCodePoint(Number.parseInt(ref.slice(2), 16));
    if (/^#\d+$/.test(ref)) return String.fromCodePoint(Number.parseInt(ref.slice(1), 10));
    const known = PREDEFINED[ref];
    if (known === undefined) throw new Error(`undefined entity ${whole} in ${where}`);
    return known;
  });
}

export function parseXml(xml: string): XmlElement {
  let at = 0;
  const fail = (message: string): never => {
    throw new Error(`${message} at offset ${at}: ${JSON.stringify(xml.slice(at, at + 40))}`);
  };
  const name = () => {
    NAME.lastIndex = at;
    const match = NAME.exec(xml);
    if (!match) fail("expected a name");
    at += (match as RegExpExecArray)[0].length;
    return (match as RegExpExecArray)[0];
  };
  const skipSpace = () => {
    while (/\s/.test(xml[at] ?? "")) at++;
  };
  const misc = () => {
    for (;;) {
      skipSpace();
      if (xml.startsWith("<!--", at)) {
        const end = xml.indexOf("-->", at + 4);
        if (end === -1) fail("unterminated comment");
        if (xml.slice(at + 4, end).includes("--")) fail("-- inside a comment");
        at = end + 3;
      } else if (xml.startsWith("<?", at)) {
        const end = xml.indexOf("?>", at);
        if (end === -1) fail("unterminated processing instruction");
        at = end + 2;
      } else return;
    }
  };
  const element = (): XmlElement => {
    if (xml[at] !== "<") fail("expected <");
    at++;
    const node: XmlElement = { name: name(), attrs: {}, children: [] };
    for (;;) {
      const before = at;
      skipSpace();
      if (xml.startsWith("/>", at)) {
        at += 2;
        return node;
      }
      if (xml[at] === ">") {
        at++;
        break;
      }
      if (at === before) fail("expected space before an attribute");
      const attribute = name();
      skipSpace();
      if (xml[at] !== "=") fail("expected =");
      at++;
      skipSpace();
      const quote = xml[at];
      if (quote !== '"' && quote !== "'") fail("expected a quoted value");
      const end = xml.indexOf(quote as string, at + 1);
      if (end === -1) fail("unterminated attribute value");
      if (attribute in node.attrs) fail(`duplicate attribute ${attribute}`);
      node.attrs[attribute] = decodeXmlText(xml.slice(at + 1, end), `attribute ${attribute}`);
      at = end + 1;
    }
    for (;;) {
      const next = xml.indexOf("<", at);
      if (next === -1) fail(`unclosed <${node.name}>`);
      if (next > at) node.children.push(decodeXmlText(xml.slice(at, next), `text in <${node.name}>`));
      at = next;
      if (xml.startsWith("</", at)) {
        at += 2;
        const closing = name();
        if (closing !== node.name) fail(`</${closing}> closes <${node.name}>`);
        skipSpace();
        if (xml[at] !== ">") fail("expected >");
        at++;
        return node;
      }
      if (xml.startsWith("<!--", at) || xml.startsWith("<?", at)) misc();
      else if (xml.startsWith("<!", at)) fail("CDATA or declaration inside content");
      else node.children.push(element());
    }
  };

  misc();
  if (xml.startsWith("<!DOCTYPE", at)) fail("DOCTYPE");
  const root = element();
  misc();
  if (at !== xml.length) fail("content after the root element");
  return root;
}

export function* walk(element: XmlElement): Generator<XmlElement> {
  yield element;
  for (const child of element.children) if (typeof child !== "string") yield* walk(child);
}

export const textOf = (element: XmlElement): string =>
  element.children.map((c) => (typeof c === "string" ? c : textOf(c))).join("");
