/**
 * A reader of Python literals, for the `args=`, `kwargs=` and `defaults=` entries of a
 * `fileConfig` file, which CPython passes to `eval()`. Nothing is evaluated here: the text must
 * be what Python's `ast.literal_eval` accepts (strings with their escapes and `r`/`b`/`u`
 * prefixes, implicit concatenation, ints in any base and of any size, floats, `True`, `False`,
 * `None`, tuples, lists, dicts, a sign on a number), plus the empty constructors `tuple()`,
 * `list()`, `dict()` and a table of names the caller gives (`sys.stdout`,
 * `handlers.SysLogHandler.LOG_USER`). Calls, operators, lambdas, comprehensions, subscripts
 * and every other name are refused with an error that says what to write instead.
 *
 * Also refused, although `literal_eval` reads them, as no logging configuration needs them:
 * sets, complex numbers, `...` and `\N{...}` escapes (they need Unicode's name database).
 *
 * @module
 */

import { ValueError } from "../core/text/errors.ts";
import { pyRepr } from "../core/text/pystr.ts";

/** A Python value read from a literal, with its Python type. */
export type PyLiteral =
  | { readonly type: "int"; readonly value: bigint }
  | { readonly type: "float"; readonly value: number }
  | { readonly type: "str"; readonly value: string }
  | { readonly type: "bytes"; readonly value: Uint8Array }
  | { readonly type: "bool"; readonly value: boolean }
  | { readonly type: "None" }
  | { readonly type: "tuple" | "list"; readonly items: readonly PyLiteral[] }
  | {
    readonly type: "dict";
    readonly entries: readonly (readonly [PyLiteral, PyLiteral])[];
  }
  | { readonly type: "name"; readonly name: string; readonly value: unknown };

/** Options of {@linkcode parsePyLiteral} and {@linkcode literalEval}. */
export interface PyLiteralOptions {
  /**
   * Dotted names the text may use, and their values (`{ "sys.stdout": Deno.stdout }`); any
   * other name is refused. Names are compared after Python's NFKC normalization.
   *
   * @default {{}}
   */
  names?: Readonly<Record<string, unknown>>;
  /**
   * What is being read, for error messages: `Cannot read <subject> as ...`.
   *
   * @default {"the Python literal"}
   */
  subject?: string;
  /** A sentence appended to the message when the text needs evaluation: what to do instead. */
  hint?: string;
}

/** CPython's limit of nested brackets in one expression (the tokenizer's `MAXLEVEL`). */
const MAX_NESTING = 200;
/** CPython's `sys.int_max_str_digits` default, enforced on decimal literals too. */
const INT_MAX_STR_DIGITS = 4300;

const KEYWORDS = new Set(
  ("and as assert async await break class continue def del elif else except finally for from " +
    "global if import in is lambda nonlocal not or pass raise return try while with yield").split(
      " ",
    ),
);
const EMPTY_CONSTRUCTORS: Readonly<Record<string, "tuple" | "list" | "dict">> = {
  tuple: "tuple",
  list: "list",
  dict: "dict",
};
const STRING_PREFIXES = new Set(["r", "u", "b", "br", "rb", "f", "fr", "rf", "t", "tr", "rt"]);

const DIGITS = "[0-9](?:_?[0-9])*";
const FLOAT_RE = new RegExp(
  `(?:${DIGITS}\\.(?:${DIGITS})?|\\.${DIGITS})(?:[eE][+-]?${DIGITS})?|${DIGITS}[eE][+-]?${DIGITS}`,
  "y",
);
const DECIMAL_RE = new RegExp(DIGITS, "y");
const HEX_RE = /0[xX](?:_?[0-9a-fA-F])+/y;
const OCT_RE = /0[oO](?:_?[0-7])+/y;
const BIN_RE = /0[bB](?:_?[01])+/y;
const NAME_RE =
  /[\p{L}\p{Nl}_\u2118\u212e\u309b\u309c][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}_\u00b7\u0387\u1369-\u1371\u19da\u2118\u212e\u309b\u309c]*/uy;
const NAME_CHAR = /[\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}_]/u;

type TokenKind = "name" | "number" | "string" | "op" | "newline" | "end";

interface Token {
  readonly kind: TokenKind;
  /** The source text of the token (for a string: with prefix and quotes). */
  readonly text: string;
  /** Offset in the (newline-normalized) source. */
  readonly at: number;
  /** For numbers and strings: the value. */
  readonly value?: PyLiteral;
}

/** The source, tokenized lazily, with what errors need to locate a position. */
class Reader {
  readonly #src: string;
  readonly #subject: string;
  readonly #hint: string;
  #pos = 0;
  #depth = 0;
  #lineHasToken = false;
  #peeked: Token | null = null;

  constructor(src: string, subject: string, hint: string) {
    this.#src = src;
    this.#subject = subject;
    this.#hint = hint;
  }

  /** Where an offset is: `line L, column C` (1-based, counted in code points). */
  where(at: number): string {
    const before = this.#src.slice(0, at);
    const line = before.split("\n").length;
    const column = [...before.slice(before.lastIndexOf("\n") + 1)].length + 1;
    return `line ${line}, column ${column}`;
  }

  /** A SyntaxError: the text is not valid Python. */
  syntax(what: string, at: number): SyntaxError {
    return new SyntaxError(
      `Cannot read ${this.#subject} as it is not valid Python: ${what} (${this.where(at)})`,
    );
  }

  /** A ValueError: the text is Python but needs evaluation. */
  evaluation(what: string, at: number): ValueError {
    return new ValueError(
      `Cannot read ${this.#subject} as it needs evaluation: ${what} (${this.where(at)}). ` +
        "Nothing is evaluated here: write Python literals (strings, numbers, tuples, lists, " +
        `dicts, True, False, None)${this.#hint === "" ? "" : `. ${this.#hint}`}`,
    );
  }

  /** A ValueError: valid literal Python this reader does not support. */
  unsupported(what: string, at: number): ValueError {
    return new ValueError(`Cannot read ${this.#subject} as ${what} (${this.where(at)})`);
  }

  /** Whether an imaginary number (`2j`) follows the operator at `at`, as in `1+2j`. */
  imaginaryAfter(at: number): boolean {
    return /^[ \t\f]*(?:[0-9][0-9_]*\.?[0-9_]*|\.[0-9][0-9_]*)(?:[eE][+-]?[0-9][0-9_]*)?[jJ]/
      .test(this.#src.slice(at + 1, at + 400));
  }

  peek(): Token {
    return this.#peeked ??= this.#scan();
  }

  next(): Token {
    const token = this.peek();
    this.#peeked = null;
    return token;
  }

  #scan(): Token {
    const src = this.#src;
    for (;;) {
      const c = src[this.#pos];
      if (c === undefined) {
        if (this.#lineHasToken) {
          this.#lineHasToken = false;
          return { kind: "newline", text: "", at: this.#pos };
        }
        return { kind: "end", text: "", at: this.#pos };
      }
      if (c === " " || c === "\t" || c === "\f") {
        this.#pos++;
      } else if (c === "#") {
        const end = src.indexOf("\n", this.#pos);
        this.#pos = end < 0 ? src.length : end;
      } else if (c === "\\") {
        if (src[this.#pos + 1] !== "\n") {
          throw this.syntax("unexpected character after line continuation character", this.#pos);
        }
        this.#pos += 2;
      } else if (c === "\n") {
        this.#pos++;
        if (this.#depth === 0 && this.#lineHasToken) {
          this.#lineHasToken = false;
          return { kind: "newline", text: "\n", at: this.#pos - 1 };
        }
      } else {
        this.#lineHasToken = true;
        return this.#token(c);
      }
    }
  }

  #token(c: string): Token {
    const src = this.#src;
    const at = this.#pos;
    if ((c >= "0" && c <= "9") || (c === "." && /[0-9]/.test(src[at + 1] ?? ""))) {
      return this.#number(at);
    }
    if (c === "'" || c === '"') return this.#string(at, "");
    NAME_RE.lastIndex = at;
    const name = NAME_RE.exec(src);
    if (name !== null) {
      this.#pos = at + name[0].length;
      const q = src[this.#pos];
      if ((q === "'" || q === '"') && STRING_PREFIXES.has(name[0].toLowerCase())) {
        return this.#string(at, name[0].toLowerCase());
      }
      return { kind: "name", text: name[0].normalize("NFKC"), at };
    }
    if (src.startsWith("...", at)) {
      this.#pos = at + 3;
      return { kind: "op", text: "...", at };
    }
    const op = /^(?:\*\*=?|\/\/=?|<<=?|>>=?|->|:=|[-+*/%@&|^<>=!]=|[-+*/%@&|^~<>()[\]{},:.;=!])/
      .exec(src.slice(at, at + 3));
    if (op === null) {
      const cp = src.codePointAt(at)!;
      throw this.syntax(
        cp === 0
          ? "source code string cannot contain null bytes"
          : `invalid character ${pyRepr(String.fromCodePoint(cp))} (U+${
            cp.toString(16).toUpperCase().padStart(4, "0")
          })`,
        at,
      );
    }
    this.#pos = at + op[0].length;
    if ("([{".includes(op[0])) {
      if (++this.#depth > MAX_NESTING) throw this.syntax("too many nested parentheses", at);
    } else if (")]}".includes(op[0]) && this.#depth > 0) {
      this.#depth--;
    }
    return { kind: "op", text: op[0], at };
  }

  #number(at: number): Token {
    const src = this.#src;
    let value: PyLiteral | undefined;
    let end = at;
    for (const [re, base] of [[HEX_RE, 16], [OCT_RE, 8], [BIN_RE, 2]] as const) {
      re.lastIndex = at;
      const m = re.exec(src);
      if (m !== null) {
        end = at + m[0].length;
        const digits = m[0].slice(2).replaceAll("_", "");
        const prefix = base === 16 ? "0x" : base === 8 ? "0o" : "0b";
        value = { type: "int", value: BigInt(prefix + digits) };
        break;
      }
    }
    if (value === undefined && /^0[xXoObB]/.test(src.slice(at, at + 2))) {
      const kind = { x: "hexadecimal", o: "octal", b: "binary" }[src[at + 1].toLowerCase()];
      throw this.syntax(`invalid ${kind} literal`, at);
    }
    if (value === undefined) {
      FLOAT_RE.lastIndex = at;
      const f = FLOAT_RE.exec(src);
      if (f !== null) {
        end = at + f[0].length;
        value = { type: "float", value: Number(f[0].replaceAll("_", "")) };
      } else {
        DECIMAL_RE.lastIndex = at;
        const d = DECIMAL_RE.exec(src)!;
        end = at + d[0].length;
        const digits = d[0].replaceAll("_", "");
        if (/^0+[1-9]/.test(digits)) {
          throw this.syntax(
            "leading zeros in decimal integer literals are not permitted; use an 0o prefix for " +
              "octal integers",
            at,
          );
        }
        if (digits.length > INT_MAX_STR_DIGITS) {
          throw this.syntax(
            `Exceeds the limit (${INT_MAX_STR_DIGITS} digits) for integer string conversion: ` +
              `value has ${digits.length} digits; use sys.set_int_max_str_digits() to increase ` +
              "the limit",
            at,
          );
        }
        value = { type: "int", value: BigInt(digits) };
      }
    }
    const after = src[end] ?? "";
    if (after === "j" || after === "J") {
      throw this.unsupported("complex numbers are not supported", at);
    }
    if (after !== "" && NAME_CHAR.test(after)) {
      throw this.syntax(
        `invalid ${value.type === "float" ? "decimal" : numberKind(src, at)} literal`,
        at,
      );
    }
    this.#pos = end;
    return { kind: "number", text: src.slice(at, end), at, value };
  }

  #string(at: number, prefix: string): Token {
    const src = this.#src;
    const start = at + prefix.length;
    const quote = src[start];
    const triple = src.startsWith(quote.repeat(3), start);
    const close = triple ? quote.repeat(3) : quote;
    const raw = prefix.includes("r");
    const bytes = prefix.includes("b");
    if (prefix.includes("f") || prefix.includes("t")) {
      throw this.evaluation(
        `${pyRepr(src.slice(at, start + 1))}...: f-strings and t-strings are evaluated`,
        at,
      );
    }
    let i = start + close.length;
    let out = "";
    for (;;) {
      if (i >= src.length) {
        throw this.syntax(
          triple ? "unterminated triple-quoted string literal" : "unterminated string literal",
          at,
        );
      }
      if (src.startsWith(close, i)) {
        i += close.length;
        break;
      }
      const c = src[i];
      if (c === "\n" && !triple) throw this.syntax("unterminated string literal", at);
      if (bytes && c.charCodeAt(0) > 0x7f) {
        throw this.syntax("bytes can only contain ASCII literal characters", i);
      }
      if (c === "\x00") throw this.syntax("source code string cannot contain null bytes", i);
      if (c !== "\\") {
        out += c;
        i++;
        continue;
      }
      const e = src[i + 1];
      if (e === undefined) {
        throw this.syntax(
          triple ? "unterminated triple-quoted string literal" : "unterminated string literal",
          at,
        );
      }
      if (raw) {
        out += c + e;
        i += 2;
        continue;
      }
      i += 2;
      switch (e) {
        case "\n":
          break;
        case "\\":
        case "'":
        case '"':
          out += e;
          break;
        case "a":
          out += "\x07";
          break;
        case "b":
          out += "\b";
          break;
        case "f":
          out += "\f";
          break;
        case "n":
          out += "\n";
          break;
        case "r":
          out += "\r";
          break;
        case "t":
          out += "\t";
          break;
        case "v":
          out += "\v";
          break;
        case "x": {
          const hex = /^[0-9a-fA-F]{2}/.exec(src.slice(i, i + 2));
          if (hex === null) throw this.syntax("truncated \\xXX escape", i - 2);
          out += String.fromCharCode(parseInt(hex[0], 16));
          i += 2;
          break;
        }
        case "u":
        case "U":
        case "N": {
          if (bytes) {
            out += c + e;
            break;
          }
          if (e === "N") {
            throw this.unsupported(
              "\\N{...} escapes are not supported (they need Unicode's name database): write " +
                "the character itself or a \\uXXXX escape",
              i - 2,
            );
          }
          const n = e === "u" ? 4 : 8;
          const hex = new RegExp(`^[0-9a-fA-F]{${n}}`).exec(src.slice(i, i + n));
          if (hex === null) throw this.syntax(`truncated \\${e}${"X".repeat(n)} escape`, i - 2);
          const cp = parseInt(hex[0], 16);
          if (cp > 0x10ffff) throw this.syntax("illegal Unicode character", i - 2);
          out += String.fromCodePoint(cp);
          i += n;
          break;
        }
        default:
          if (e >= "0" && e <= "7") {
            const oct = /^[0-7]{1,3}/.exec(src.slice(i - 1, i + 2))![0];
            const code = parseInt(oct, 8);
            out += String.fromCharCode(bytes ? code & 0xff : code);
            i += oct.length - 1;
          } else {
            out += c + e; // Python keeps an unknown escape (with a SyntaxWarning)
          }
      }
    }
    this.#pos = i;
    const value: PyLiteral = bytes
      ? { type: "bytes", value: Uint8Array.from(out, (ch) => ch.charCodeAt(0)) }
      : { type: "str", value: out };
    return { kind: "string", text: src.slice(at, i), at, value };
  }
}

function numberKind(src: string, at: number): string {
  const p = src.slice(at, at + 2).toLowerCase();
  return p === "0x" ? "hexadecimal" : p === "0o" ? "octal" : p === "0b" ? "binary" : "decimal";
}

/** Recursive descent over Python's expression grammar, accepting literals only. */
class Parser {
  readonly #r: Reader;
  readonly #names: Readonly<Record<string, unknown>>;

  constructor(reader: Reader, names: Readonly<Record<string, unknown>>) {
    this.#r = reader;
    this.#names = names;
  }

  /** `expression_list NEWLINE* ENDMARKER`, as `eval()` reads its text. */
  parseAll(): PyLiteral {
    const r = this.#r;
    const first = r.peek();
    if (first.kind === "end" || first.kind === "newline") {
      throw r.syntax("there is no value", first.at);
    }
    const value = this.#expressionList();
    while (r.peek().kind === "newline") r.next();
    const end = r.peek();
    if (end.kind !== "end") throw this.#unexpected(end);
    return value;
  }

  /** The whole text's items, separated by commas: a tuple, or the one item without a comma. */
  #expressionList(): PyLiteral {
    const r = this.#r;
    const items: PyLiteral[] = [this.#expr()];
    let comma = false;
    for (let sep = r.peek(); sep.kind === "op" && sep.text === ","; sep = r.peek()) {
      r.next();
      comma = true;
      if (!isStart(r.peek())) break;
      items.push(this.#expr());
    }
    return comma ? { type: "tuple", items } : items[0];
  }

  /** One value: a signed number or an atom with no trailer. */
  #expr(): PyLiteral {
    const r = this.#r;
    const t = r.peek();
    if (t.kind === "op" && (t.text === "-" || t.text === "+")) {
      r.next();
      const operand = this.#primary();
      if (operand.type !== "int" && operand.type !== "float") {
        throw r.evaluation(`a sign applies to numbers only, not to ${describe(operand)}`, t.at);
      }
      this.#noOperator();
      if (t.text === "+") return operand;
      return operand.type === "int"
        ? { type: "int", value: -operand.value }
        : { type: "float", value: -operand.value };
    }
    const value = this.#primary();
    this.#noOperator();
    return value;
  }

  /** Refuses what would combine the value just read with another (operators, conditionals). */
  #noOperator(): void {
    const t = this.#r.peek();
    if (t.kind === "op" && (t.text === "+" || t.text === "-") && this.#r.imaginaryAfter(t.at)) {
      throw this.#r.unsupported("complex numbers are not supported", t.at);
    }
    if (t.kind === "op" && !",)]}:".includes(t.text)) {
      throw this.#r.evaluation(`${pyRepr(t.text)} is an operator`, t.at);
    }
    if (t.kind === "name" && KEYWORDS.has(t.text)) {
      throw this.#r.evaluation(`${pyRepr(t.text)} makes an expression`, t.at);
    }
    if (t.kind !== "op" && t.kind !== "newline" && t.kind !== "end") throw this.#unexpected(t);
  }

  /** An atom, refusing calls, subscripts and attributes on it. */
  #primary(): PyLiteral {
    const r = this.#r;
    const t = r.next();
    let value: PyLiteral;
    switch (t.kind) {
      case "number":
        value = t.value!;
        break;
      case "string":
        value = this.#strings(t);
        break;
      case "name":
        value = this.#name(t);
        break;
      case "op":
        value = this.#bracket(t);
        break;
      default:
        throw this.#unexpected(t);
    }
    const after = r.peek();
    if (after.kind === "op" && (after.text === "(" || after.text === "[")) {
      throw r.evaluation(
        after.text === "("
          ? `${pyRepr(source(t))}(...) is a call`
          : `${pyRepr(source(t))}[...] is a subscript`,
        after.at,
      );
    }
    if (after.kind === "op" && after.text === ".") {
      throw r.evaluation(`an attribute of ${describe(value)} is looked up`, after.at);
    }
    return value;
  }

  /** Adjacent string literals, concatenated. */
  #strings(first: Token): PyLiteral {
    const r = this.#r;
    const parts = [first];
    while (r.peek().kind === "string") parts.push(r.next());
    const kinds = new Set(parts.map((p) => p.value!.type));
    if (kinds.size > 1) throw r.syntax("cannot mix bytes and nonbytes literals", first.at);
    if (parts.length === 1) return first.value!;
    if (first.value!.type === "str") {
      return {
        type: "str",
        value: parts.map((p) => (p.value as { value: string }).value).join(""),
      };
    }
    const chunks = parts.map((p) => (p.value as { value: Uint8Array }).value);
    const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.length;
    }
    return { type: "bytes", value: out };
  }

  /** `True`, `False`, `None`, `tuple()`, `list()`, `dict()`, or a dotted name of the table. */
  #name(t: Token): PyLiteral {
    const r = this.#r;
    if (t.text === "True" || t.text === "False") return { type: "bool", value: t.text === "True" };
    if (t.text === "None") return { type: "None" };
    if (KEYWORDS.has(t.text)) {
      throw r.evaluation(
        t.text === "lambda" ? "'lambda' makes a function" : `${pyRepr(t.text)} makes an expression`,
        t.at,
      );
    }
    let name = t.text;
    for (;;) {
      const dot = r.peek();
      if (dot.kind !== "op" || dot.text !== ".") break;
      r.next();
      const part = r.next();
      if (part.kind !== "name") throw this.#unexpected(part);
      name += `.${part.text}`;
    }
    const call = r.peek();
    if (
      call.kind === "string" || call.kind === "number" ||
      (call.kind === "name" && !KEYWORDS.has(call.text))
    ) {
      throw this.#unexpected(call);
    }
    if (call.kind === "op" && call.text === "(" && Object.hasOwn(EMPTY_CONSTRUCTORS, name)) {
      r.next();
      const close = r.next();
      if (close.kind === "op" && close.text === ")") {
        const type = EMPTY_CONSTRUCTORS[name];
        return type === "dict" ? { type, entries: [] } : { type, items: [] };
      }
      throw r.evaluation(`${name}(...) is a call with arguments`, t.at);
    }
    if (call.kind === "op" && (call.text === "(" || call.text === "[")) {
      throw r.evaluation(
        `${name}${call.text === "(" ? "(...) is a call" : "[...] is a subscript"}`,
        t.at,
      );
    }
    if (!Object.hasOwn(this.#names, name)) {
      throw r.evaluation(`${pyRepr(name)} is a name, and no such name is known here`, t.at);
    }
    return { type: "name", name, value: this.#names[name] };
  }

  /** `( ... )`, `[ ... ]` or `{ ... }`. */
  #bracket(t: Token): PyLiteral {
    const r = this.#r;
    if (t.text === "(") {
      const first = r.peek();
      if (first.kind === "op" && first.text === ")") {
        r.next();
        return { type: "tuple", items: [] };
      }
      if (first.kind === "op" && first.text === ",") throw this.#unexpected(first);
      const inner = this.#items(")");
      this.#close(")");
      // `(x)` is x; `(x,)` and `(x, y)` are tuples.
      return inner.comma || inner.items.length !== 1
        ? { type: "tuple", items: inner.items }
        : inner.items[0];
    }
    if (t.text === "[") {
      const first = r.peek();
      if (first.kind === "op" && first.text === ",") throw this.#unexpected(first);
      const inner = this.#items("]");
      this.#close("]");
      return { type: "list", items: inner.items };
    }
    if (t.text === "{") return this.#dict(t);
    if (t.text === "...") {
      throw r.unsupported("'...' (Ellipsis) is not supported", t.at);
    }
    if (t.text === "*" || t.text === "**") {
      throw r.evaluation(`${pyRepr(t.text)} unpacks an iterable`, t.at);
    }
    if ("-+~".includes(t.text)) throw r.evaluation(`${pyRepr(t.text)} is an operator`, t.at);
    throw this.#unexpected(t);
  }

  #items(close: string): { items: PyLiteral[]; comma: boolean } {
    const r = this.#r;
    const items: PyLiteral[] = [];
    let comma = false;
    for (;;) {
      const t = r.peek();
      if (t.kind === "op" && t.text === close) break;
      items.push(this.#expr());
      const sep = r.peek();
      if (sep.kind === "op" && sep.text === ",") {
        r.next();
        comma = true;
        continue;
      }
      if (sep.kind === "name" && sep.text === "for") {
        throw r.evaluation("'for' makes a comprehension", sep.at);
      }
      break;
    }
    return { items, comma };
  }

  #dict(open: Token): PyLiteral {
    const r = this.#r;
    const entries: [PyLiteral, PyLiteral][] = [];
    for (;;) {
      const t = r.peek();
      if (t.kind === "op" && t.text === "}") break;
      if (t.kind === "op" && t.text === "**") {
        throw r.evaluation("'**' unpacks a mapping", t.at);
      }
      if (t.kind === "op" && t.text === ",") throw this.#unexpected(t);
      const key = this.#expr();
      const colon = r.peek();
      if (colon.kind === "op" && (colon.text === "," || colon.text === "}")) {
        if (entries.length === 0) throw r.unsupported("set literals are not supported", open.at);
        throw this.#unexpected(colon);
      }
      if (colon.kind === "name" && colon.text === "for") {
        throw r.evaluation("'for' makes a comprehension", colon.at);
      }
      if (colon.kind !== "op" || colon.text !== ":") throw this.#unexpected(colon);
      r.next();
      const value = this.#expr();
      entries.push([key, value]);
      const sep = r.peek();
      if (sep.kind === "op" && sep.text === ",") {
        r.next();
        continue;
      }
      if (sep.kind === "name" && sep.text === "for") {
        throw r.evaluation("'for' makes a comprehension", sep.at);
      }
      break;
    }
    this.#close("}");
    return { type: "dict", entries };
  }

  #close(close: string): void {
    const t = this.#r.next();
    if (t.kind !== "op" || t.text !== close) throw this.#unexpected(t, close);
  }

  #unexpected(t: Token, expected?: string): SyntaxError {
    const what = t.kind === "end" || t.kind === "newline"
      ? "unexpected end of the value"
      : `unexpected ${pyRepr(t.text)}`;
    return this.#r.syntax(expected === undefined ? what : `${what}, expected '${expected}'`, t.at);
  }
}

function isStart(t: Token): boolean {
  return t.kind === "number" || t.kind === "string" || t.kind === "name" ||
    (t.kind === "op" && "([{-+".includes(t.text));
}

function source(t: Token): string {
  return t.text;
}

function describe(value: PyLiteral): string {
  switch (value.type) {
    case "name":
      return value.name;
    case "None":
      return "None";
    default:
      return `a ${value.type}`;
  }
}

/**
 * Reads a Python literal into a tree that keeps Python's types (int or float, tuple or list,
 * bytes), as `ast.literal_eval` would give it, without evaluating anything.
 *
 * @param text The Python source, as `eval()` would receive it (a tuple may omit its parentheses).
 * @param options The known names, and the subject and hint of error messages.
 * @returns The value's tree.
 * @throws {SyntaxError} For text that is not valid Python (with the line and column).
 * @throws {ValueError} For text that needs evaluation (calls, operators, unknown names, lambdas,
 *   comprehensions), or for literals not supported here (sets, complex numbers, `...`,
 *   `\N{...}`).
 *
 * @example
 * ```ts
 * import { parsePyLiteral } from "@x/loghandlers/extend";
 * const v = parsePyLiteral("('app.log', 'a', 0x10, 1.0)");
 * console.assert(v.type === "tuple" && v.items.length === 4);
 * console.assert(v.type === "tuple" && v.items[3].type === "float");
 * ```
 */
export function parsePyLiteral(text: string, options: PyLiteralOptions = {}): PyLiteral {
  if (typeof text !== "string") {
    throw new TypeError(`Cannot read a Python literal from ${typeof text}: pass a string`);
  }
  const src = text.replace(/\r\n?/g, "\n").replace(/^[ \t]+/, "");
  const reader = new Reader(src, options.subject ?? "the Python literal", options.hint ?? "");
  return new Parser(reader, options.names ?? {}).parseAll();
}

/**
 * The JavaScript value of a {@linkcode parsePyLiteral} tree: tuples and lists are arrays, dicts
 * plain objects, ints numbers (bigints beyond `Number.MAX_SAFE_INTEGER`), floats numbers,
 * `None` `null`, bytes `Uint8Array`s, names their table's value.
 *
 * @param value The tree.
 * @param subject What is being read, for error messages.
 * @returns The JavaScript value.
 * @throws {TypeError} For a dict key that is not a string.
 *
 * @example
 * ```ts
 * import { parsePyLiteral, pyLiteralToJs } from "@x/loghandlers/extend";
 * const v = pyLiteralToJs(parsePyLiteral("{'mode': 'w', 'n': (1, None)}"));
 * console.assert(JSON.stringify(v) === '{"mode":"w","n":[1,null]}');
 * ```
 */
export function pyLiteralToJs(value: PyLiteral, subject = "the Python literal"): unknown {
  switch (value.type) {
    case "int":
      return value.value >= BigInt(Number.MIN_SAFE_INTEGER) &&
          value.value <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(value.value)
        : value.value;
    case "None":
      return null;
    case "tuple":
    case "list":
      return value.items.map((item) => pyLiteralToJs(item, subject));
    case "dict": {
      const out: Record<string, unknown> = {};
      for (const [k, v] of value.entries) {
        if (k.type !== "str") {
          throw new TypeError(
            `Cannot read ${subject} as its dict keys must be strings: current key is ${
              describe(k)
            }`,
          );
        }
        Object.defineProperty(out, k.value, {
          value: pyLiteralToJs(v, subject),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    default:
      return value.value;
  }
}

/**
 * Python's `ast.literal_eval` for configuration values, with a table of names: reads the text
 * as {@linkcode parsePyLiteral} does and returns its JavaScript value
 * ({@linkcode pyLiteralToJs}). Nothing in the text is ever evaluated.
 *
 * @param text The Python source.
 * @param options The known names, and the subject and hint of error messages.
 * @returns The value.
 * @throws {SyntaxError} For text that is not valid Python.
 * @throws {ValueError} For text that needs evaluation, or literals not supported here.
 * @throws {TypeError} For a dict key that is not a string.
 *
 * @example
 * ```ts
 * import { literalEval } from "@x/loghandlers/extend";
 * const args = literalEval("(sys.stdout, 'a', 5)", { names: { "sys.stdout": "STDOUT" } });
 * console.assert(JSON.stringify(args) === '["STDOUT","a",5]');
 * try {
 *   literalEval("__import__('os').system('rm -rf /')");
 * } catch (e) {
 *   console.assert(e instanceof Error && e.message.includes("needs evaluation"));
 * }
 * ```
 */
export function literalEval(text: string, options: PyLiteralOptions = {}): unknown {
  return pyLiteralToJs(parsePyLiteral(text, options), options.subject);
}
