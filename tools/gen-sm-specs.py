#!/usr/bin/env python3
"""gen-sm-specs.py — generate server/sagemaker/specs.c from botocore.

The SageMaker front end validates every request against a declared input
spec before the handler runs (STYLE.md habit 2); botocore's service model is
the source of truth for that spec.  This script walks the input shape of each
operation in OPERATIONS and emits, as static C data:

  * one `struct sm_spec` node per botocore shape, and one member array per
    structure shape, shared by pointer wherever the shape is reused;
  * one NULL-terminated string array per enum shape;
  * a table of constraint patterns, each the botocore (Java) regex verbatim
    (AWS quotes it in its messages) and a POSIX ERE translation that the
    daemon compiles once with regcomp(REG_EXTENDED|REG_NOSUB);
  * `sm_op_specs[]`, sorted by operation name, and its count.

Usage (from the repository root, with the project's virtualenv):

    .venv/bin/python tools/gen-sm-specs.py > server/sagemaker/specs.c
    .venv/bin/python tools/gen-sm-specs.py --self-test   # check translations

The output is committed; rerun after changing OPERATIONS or botocore.

Java regex -> POSIX ERE.  The translation parses the Java syntax and emits
an equivalent ERE anchored as ^(...)$ (AWS matches the whole value).  It
assumes the C locale (the daemon never calls setlocale): bracket ranges are
byte ranges, and a negated bracket matches any single byte outside it.
Character classes are computed as sets over ASCII plus a "non-ASCII allowed"
flag; a class that admits non-ASCII characters is emitted as a negated
bracket of the ASCII characters it excludes, so UTF-8 bytes pass.  Unicode
classes (\\p{L}, \\p{N}, \\p{Z}, \\u ranges above 0x7F) are exact on ASCII
and admit every non-ASCII character: those patterns are counted as
approximate.  Java's '.' excludes \\n and \\r (its other, non-ASCII line
terminators are not excluded).  Lookaround has no ERE form: the few
patterns that use it are rewritten by hand in OVERRIDES into an equivalent
Java regex without it (checked by --self-test with Python's re); anything
else the translator cannot handle gets ere = NULL, is counted and listed in
the output, and the daemon skips that check.
"""

import argparse
import random
import re
import sys

import botocore
import botocore.session

# The operations whose inputs get a spec.  Extend freely; keep it sorted.
OPERATIONS = [
    "AddTags",
    "CreateEndpoint",
    "CreateEndpointConfig",
    "CreateHyperParameterTuningJob",
    "CreateModel",
    "CreateNotebookInstance",
    "CreatePresignedNotebookInstanceUrl",
    "CreateProcessingJob",
    "CreateTrainingJob",
    "CreateTransformJob",
    "DeleteEndpoint",
    "DeleteEndpointConfig",
    "DeleteModel",
    "DeleteNotebookInstance",
    "DeleteTags",
    "DescribeEndpoint",
    "DescribeEndpointConfig",
    "DescribeHyperParameterTuningJob",
    "DescribeModel",
    "DescribeNotebookInstance",
    "DescribeProcessingJob",
    "DescribeTrainingJob",
    "DescribeTransformJob",
    "ListEndpointConfigs",
    "ListEndpoints",
    "ListHyperParameterTuningJobs",
    "ListModels",
    "ListNotebookInstances",
    "ListProcessingJobs",
    "ListTags",
    "ListTrainingJobs",
    "ListTrainingJobsForHyperParameterTuningJob",
    "ListTransformJobs",
    "StartNotebookInstance",
    "StopHyperParameterTuningJob",
    "StopNotebookInstance",
    "StopProcessingJob",
    "StopTrainingJob",
    "StopTransformJob",
    "UpdateEndpoint",
    "UpdateEndpointWeightsAndCapacities",
]

# Java regexes with lookaround, rewritten by hand into equivalent Java
# regexes without it (the translator then handles them like any other).
# --self-test checks each pair against random strings with Python's re.
OVERRIDES = {
    # "not only whitespace": some character that is neither \s nor a line
    # terminator, with '.'s (no \n, \r) around it.
    r"(?!\s*$).+":
        r"[^\n\r]*[^\s][^\n\r]*",
    # a name that does not end in '-': first and last alphanumeric.
    r"(arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:[a-z\-]*\/)?([a-zA-Z0-9]([a-zA-Z0-9-]){0,62})(?<!-)":
        r"(arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:[a-z\-]*\/)?([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)",
    r"(arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:[a-z\-]*\/)?([a-zA-Z0-9]([a-zA-Z0-9-]){0,62})(?<!-)(\/[0-9]{1,9})?":
        r"(arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:[a-z\-]*\/)?([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\/[0-9]{1,9})?",
    # an absolute path with no "..": dots never adjacent.
    r"/(?!.*\.\.)[a-zA-Z0-9/_.\-]+":
        r"/(\.|\.?([a-zA-Z0-9/_\-]+\.?)+)",
}


class Untranslatable(Exception):
    pass


# ---- character sets --------------------------------------------------------
# A set is (frozenset of ASCII codes 1..127, nonascii) where nonascii is
# "none", "all" or "some" ("some" is emitted as "all" and marks the pattern
# approximate).

ASCII = frozenset(range(1, 128))
JAVA_SPACE = frozenset(map(ord, " \t\n\x0b\f\r"))
DIGITS = frozenset(range(ord("0"), ord("9") + 1))
UPPER = frozenset(range(ord("A"), ord("Z") + 1))
LOWER = frozenset(range(ord("a"), ord("z") + 1))
WORD = DIGITS | UPPER | LOWER | {ord("_")}


def cs(chars, nonascii="none"):
    return (frozenset(chars), nonascii)


def cs_union(a, b):
    na = {a[1], b[1]}
    nonascii = "all" if "all" in na else "some" if "some" in na else "none"
    return (a[0] | b[0], nonascii)


def cs_negate(a):
    flip = {"none": "all", "all": "none", "some": "some"}
    return (ASCII - a[0], flip[a[1]])


def cs_range(lo, hi):
    ascii_part = frozenset(c for c in range(max(lo, 1), min(hi, 127) + 1))
    if hi < 128:
        nonascii = "none"
    elif lo <= 128 and hi >= 0x10FFFF:
        nonascii = "all"
    else:
        nonascii = "some"
    return (ascii_part, nonascii)


PROPERTY_CLASSES = {
    # Java's POSIX classes are ASCII-only.
    "Alnum": cs(DIGITS | UPPER | LOWER),
    "Alpha": cs(UPPER | LOWER),
    "Digit": cs(DIGITS),
    "Upper": cs(UPPER),
    "Lower": cs(LOWER),
    "Punct": cs(map(ord, "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")),
    "Space": cs(JAVA_SPACE),
    # Unicode categories: exact on ASCII, approximate beyond.
    "L": cs(UPPER | LOWER, "some"),
    "N": cs(DIGITS, "some"),
    "Z": cs({ord(" ")}, "some"),
}


def class_escape(ch, pat, i):
    """A class escape at pat[i] (after the backslash, ch == pat[i]).
    Returns (charset or None, literal code or None, next index)."""
    if ch == "d":
        return cs(DIGITS), None, i + 1
    if ch == "D":
        return cs_negate(cs(DIGITS)), None, i + 1
    if ch == "w":
        return cs(WORD), None, i + 1
    if ch == "W":
        return cs_negate(cs(WORD)), None, i + 1
    if ch == "s":
        return cs(JAVA_SPACE), None, i + 1
    if ch == "S":
        return cs_negate(cs(JAVA_SPACE)), None, i + 1
    if ch in "pP":
        if i + 1 < len(pat) and pat[i + 1] == "{":
            end = pat.index("}", i)
            name = pat[i + 2:end]
            nxt = end + 1
        else:
            name = pat[i + 1]
            nxt = i + 2
        name = name[2:] if name.startswith("Is") else name
        if name not in PROPERTY_CLASSES:
            raise Untranslatable("unknown class \\%s{%s}" % (ch, name))
        s = PROPERTY_CLASSES[name]
        return (cs_negate(s) if ch == "P" else s), None, nxt
    simple = {"t": 9, "n": 10, "r": 13, "f": 12, "a": 7, "e": 27}
    if ch in simple:
        return None, simple[ch], i + 1
    if ch == "x":
        if pat[i + 1] == "{":
            end = pat.index("}", i)
            return None, int(pat[i + 2:end], 16), end + 1
        return None, int(pat[i + 1:i + 3], 16), i + 3
    if ch == "u":
        code = int(pat[i + 1:i + 5], 16)
        # Java reads \uD800\uDC00 (a surrogate pair) as one code point.
        if 0xD800 <= code <= 0xDBFF and pat.startswith("\\u", i + 5):
            low = int(pat[i + 7:i + 11], 16)
            if 0xDC00 <= low <= 0xDFFF:
                return None, 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00), i + 11
        return None, code, i + 5
    if ch == "0":
        j = i + 1
        while j < len(pat) and j < i + 4 and pat[j] in "01234567":
            j += 1
        return None, int(pat[i + 1:j], 8), j
    if ch.isalnum():
        # \b \B \A \z \Z \G, back references, \Q...\E, \k<name>, ...
        raise Untranslatable("escape \\%s" % ch)
    return None, ord(ch), i + 1


# ---- ERE emission ------------------------------------------------------------

ERE_SPECIAL = set(".[]\\()*+?{}|^$")


def ere_literal(code):
    if code >= 128:
        return "".join(chr(b) for b in chr(code).encode("utf-8"))
    ch = chr(code)
    return "\\" + ch if ch in ERE_SPECIAL else ch


def ere_bracket(charset, approx):
    members, nonascii = charset
    if nonascii == "some":
        approx.append(True)
        nonascii = "all"
    if nonascii == "all":
        excluded = sorted(ASCII - members)
        if not excluded:
            return "."  # glibc: any character but NUL, newline included
        body, negate = excluded, True
    else:
        body, negate = sorted(members), False
        if not body:
            raise Untranslatable("empty character class")
        if len(body) == 1:
            return ere_literal(body[0])
    specials = {ord("]"), ord("-"), ord("^"), ord("["), ord("\\")}
    plain = [c for c in body if c not in specials]
    parts = []
    run = []

    def flush():
        if len(run) >= 3:
            parts.append(chr(run[0]) + "-" + chr(run[-1]))
        else:
            parts.extend(chr(c) for c in run)

    for c in plain:
        if run and c == run[-1] + 1:
            run.append(c)
        else:
            flush()
            run = [c]
    flush()
    out = "".join(parts)
    present = set(body) & specials
    if ord("]") in present:
        out = "]" + out
    if ord("\\") in present:
        out += "\\"  # literal inside a POSIX bracket
    if ord("^") in present:
        if out:
            out += "^"
        else:
            out = "^" if negate else None
    if ord("[") in present:
        out = (out or "") + "["
    if ord("-") in present:
        out = (out or "") + "-"
    if out is None:
        return "\\^"
    if not negate and out.startswith("^"):
        # '^' must not open a non-negated bracket.
        out = out[1:] + "^"
    return "[" + ("^" if negate else "") + out + "]"


class Translator:
    """Recursive-descent parser over a Java regex, emitting POSIX ERE."""

    def __init__(self, pat):
        self.p = pat
        self.i = 0
        self.approx = []

    def peek(self):
        return self.p[self.i] if self.i < len(self.p) else None

    def alt(self):
        branches = [self.seq()]
        while self.peek() == "|":
            self.i += 1
            branches.append(self.seq())
        return "|".join(branches)

    def seq(self):
        out = []
        while self.peek() is not None and self.peek() not in "|)":
            atom = self.atom()
            out.append(atom + self.quantifier())
        if not out:
            # ERE has no empty branch; () is not portable either.
            raise Untranslatable("empty branch")
        return "".join(out)

    def quantifier(self):
        q = ""
        ch = self.peek()
        if ch in ("*", "+", "?"):
            q = ch
            self.i += 1
        elif ch == "{":
            end = self.p.index("}", self.i)
            body = self.p[self.i + 1:end]
            if not re.fullmatch(r"\d+(,\d*)?", body):
                raise Untranslatable("quantifier {%s}" % body)
            lo, _, hi = body.partition(",")
            if int(lo) > 255 or (hi and int(hi) > 255):
                # RE_DUP_MAX is 255 (0x7fff in glibc, but be portable):
                # {0,1023} and the like become unbounded plus a length check
                # the spec already makes.
                q = "*" if int(lo) == 0 else "+" if int(lo) == 1 else None
                if q is None:
                    raise Untranslatable("repeat count over 255")
                self.approx.append(True)
            else:
                q = "{" + body + "}"
            self.i = end + 1
        else:
            return ""
        if self.peek() == "?":      # lazy: same set of full matches
            self.i += 1
        elif self.peek() == "+":    # possessive: can reject full matches
            raise Untranslatable("possessive quantifier")
        return q

    def atom(self):
        ch = self.peek()
        if ch == "(":
            self.i += 1
            if self.peek() == "?":
                nxt = self.p[self.i + 1]
                if nxt == ":":
                    self.i += 2
                elif nxt == "<" and self.p[self.i + 2] not in "=!":
                    self.i = self.p.index(">", self.i) + 1  # named group
                else:
                    raise Untranslatable("lookaround or inline flags (?%s" % nxt)
            inner = self.alt()
            if self.peek() != ")":
                raise Untranslatable("unbalanced group")
            self.i += 1
            return "(" + inner + ")"
        if ch == "[":
            return ere_bracket(self.char_class(), self.approx)
        if ch == ".":
            self.i += 1
            return "[^\n\r]"
        if ch in "^$":
            self.i += 1
            return ch
        if ch == "\\":
            nxt = self.p[self.i + 1]
            if nxt == "Q":
                end = self.p.find("\\E", self.i + 2)
                end = len(self.p) if end < 0 else end
                text = self.p[self.i + 2:end]
                self.i = min(end + 2, len(self.p))
                return "".join(ere_literal(ord(c)) for c in text)
            charset, code, self.i = class_escape(nxt, self.p, self.i + 1)
            if charset is not None:
                return ere_bracket(charset, self.approx)
            return ere_literal(code)
        if ch in "*+?{":
            raise Untranslatable("dangling quantifier")
        self.i += 1
        return ere_literal(ord(ch))

    def char_class(self):
        """Parse [...] at self.i; return a charset."""
        assert self.p[self.i] == "["
        self.i += 1
        negate = False
        if self.peek() == "^":
            negate = True
            self.i += 1
        acc = cs(())
        first = True
        while True:
            ch = self.peek()
            if ch is None:
                raise Untranslatable("unterminated class")
            if ch == "]" and not first:
                self.i += 1
                break
            first = False
            if ch == "[":
                acc = cs_union(acc, self.char_class())
                continue
            if ch == "&" and self.p.startswith("&&", self.i):
                raise Untranslatable("class intersection")
            lo = self.class_atom()
            if isinstance(lo, tuple):
                acc = cs_union(acc, lo)
                continue
            if self.peek() == "-" and self.i + 1 < len(self.p) and self.p[self.i + 1] != "]":
                self.i += 1
                hi = self.class_atom()
                if isinstance(hi, tuple):
                    raise Untranslatable("range to a class")
                if hi < lo:
                    raise Untranslatable("reversed range")
                acc = cs_union(acc, cs_range(lo, hi))
            else:
                acc = cs_union(acc, cs_range(lo, lo))
        return cs_negate(acc) if negate else acc

    def class_atom(self):
        ch = self.peek()
        if ch == "\\":
            charset, code, self.i = class_escape(self.p[self.i + 1], self.p, self.i + 1)
            return charset if charset is not None else code
        self.i += 1
        return ord(ch)


def translate(java):
    """Return (ere or None, how) where how is "exact", "approx",
    "override", "override+approx" or the reason it is untranslatable."""
    src = OVERRIDES.get(java, java)
    t = Translator(src)
    try:
        body = t.alt()
        if t.i != len(src):
            raise Untranslatable("unbalanced ')'")
    except (Untranslatable, ValueError, IndexError) as e:
        return None, "untranslatable: %s" % e
    how = "override" if java in OVERRIDES else "exact"
    if t.approx:
        how = "approx" if how == "exact" else how + "+approx"
    return "^(" + body + ")$", how


# ---- model walk --------------------------------------------------------------

TYPES = {
    "string": "SM_T_STRING", "integer": "SM_T_INTEGER", "long": "SM_T_LONG",
    "float": "SM_T_FLOAT", "double": "SM_T_DOUBLE", "boolean": "SM_T_BOOLEAN",
    "timestamp": "SM_T_TIMESTAMP", "blob": "SM_T_BLOB",
    "structure": "SM_T_STRUCTURE", "list": "SM_T_LIST", "map": "SM_T_MAP",
}


def c_string(s):
    """A C string literal of s (str: UTF-8 encoded; bytes: as is)."""
    out = ['"']
    for b in s.encode("utf-8") if isinstance(s, str) else s:
        ch = chr(b)
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "?":
            out.append("\\?")  # no trigraphs under -std=c11
        elif 32 <= b < 127:
            out.append(ch)
        else:
            out.append("\\%03o" % b)
    out.append('"')
    return "".join(out)


def c_ident(name):
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


class Generator:
    def __init__(self, model):
        self.model = model
        self.raw = model._shape_resolver._shape_map
        self.order = []          # shapes in post-order (children first)
        self.seen = set()
        self.cut = set()         # (shape, member) edges that close a cycle
        self.patterns = {}       # java -> index
        self.pattern_list = []   # [(java, ere, how)]

    def walk(self, name, stack):
        if name in self.seen:
            return
        self.seen.add(name)
        stack.append(name)
        shape = self.raw[name]
        if shape["type"] not in TYPES:
            raise SystemExit("unsupported shape type %s (%s)" % (shape["type"], name))
        refs = []
        for k in ("member", "key", "value"):
            if k in shape:
                refs.append((k, shape[k]["shape"]))
        for mname, m in shape.get("members", {}).items():
            refs.append((mname, m["shape"]))
        for edge, target in refs:
            if target in stack:
                self.cut.add((name, edge))
            else:
                self.walk(target, stack)
        stack.pop()
        self.order.append(name)
        if "pattern" in shape:
            self.pattern_index(shape["pattern"])

    def pattern_index(self, java):
        if java not in self.patterns:
            ere, how = translate(java)
            self.patterns[java] = len(self.pattern_list)
            self.pattern_list.append((java, ere, how))
        return self.patterns[java]

    def node_fields(self, name, unchecked=False):
        """Designated-initializer fields describing shape `name`; with
        unchecked, its own constraints but nothing below it (a recursion
        cut: the walker checks the JSON kind and stops)."""
        s = self.raw[name]
        f = [".type = %s" % TYPES[s["type"]]]
        for bound in ("min", "max"):
            if bound in s:
                v = s[bound]
                if v != int(v):
                    raise SystemExit("fractional %s on %s" % (bound, name))
                f.append(".has_%s = 1, .%s = %dLL" % (bound, bound, int(v)))
        f.append(".pattern = %d" % (self.patterns[s["pattern"]] if "pattern" in s else -1))
        if s.get("sensitive"):
            f.append(".sensitive = 1")
        if "enum" in s:
            f.append(".enums = sm_enum_%s" % c_ident(name))
        if unchecked:
            f.append(".unchecked = 1")
        elif s["type"] == "structure":
            f.append(".members = sm_members_%s, .nmembers = %d"
                     % (c_ident(name), len(s.get("members", {}))))
        elif s["type"] == "list":
            f.append(".item = &%s" % self.ref(name, "member"))
        elif s["type"] == "map":
            f.append(".key = &%s, .item = &%s"
                     % (self.ref(name, "key"), self.ref(name, "value")))
        return f

    def ref(self, name, edge):
        """The node a list or map's `edge` points at."""
        target = self.raw[name][edge]["shape"]
        if (name, edge) in self.cut:
            return "sm_cut_%s" % c_ident(target)
        return "sm_shape_%s" % c_ident(target)

    def run(self, out):
        ops = sorted(OPERATIONS)
        if ops != OPERATIONS or len(set(ops)) != len(ops):
            raise SystemExit("OPERATIONS must be sorted and unique")
        inputs = []
        for op in ops:
            shape = self.model.operation_model(op).input_shape
            if shape is None:
                raise SystemExit("%s has no input shape" % op)
            inputs.append((op, shape.name))
            self.walk(shape.name, [])

        w = out.write
        meta = self.model.metadata
        untrans = [(j, h) for j, e, h in self.pattern_list if e is None]
        approx = [j for j, e, h in self.pattern_list if e and "approx" in h]
        overridden = [j for j, e, h in self.pattern_list if e and "override" in h]
        w("/* specs.c — SageMaker input specs, GENERATED: do not edit.\n"
          " *\n"
          " * Generated by tools/gen-sm-specs.py from botocore %s, service\n"
          " * model sagemaker %s:\n"
          " *     .venv/bin/python tools/gen-sm-specs.py > server/sagemaker/specs.c\n"
          " * %d operations, %d shapes, %d patterns, %d recursion cut(s).\n"
          " *\n" % (botocore.__version__, meta.get("apiVersion", "?"), len(ops),
                    len(self.order), len(self.pattern_list), len(self.cut)))
        exact = len(self.pattern_list) - len(untrans) - len(
            set(approx) | set(overridden))
        w(" * Patterns translated to POSIX ERE: %d exactly, %d via a hand-written\n"
          " * lookaround-free rewrite (OVERRIDES in the script), %d approximately\n"
          " * (Unicode classes admit every non-ASCII character; repeat counts over\n"
          " * 255 become * or +, the length limit still applies), %d untranslatable\n"
          " * (ere is NULL: the daemon skips those checks).\n"
          % (exact, len(overridden), len(approx), len(untrans)))
        for j, h in untrans:
            w(" *   untranslatable: %s (%s)\n" % (j.replace("*/", "*\\/"), h))
        for j in approx:
            w(" *   approximate:    %s\n" % j.replace("*/", "*\\/"))
        for j in overridden:
            w(" *   rewritten:      %s\n" % j.replace("*/", "*\\/"))
        for shape, edge in sorted(self.cut):
            w(" *   recursion cut:  %s.%s (not checked below)\n" % (shape, edge))
        w(" */\n#include \"server/sagemaker/specs.h\"\n\n")

        w("const struct sm_pattern sm_patterns[] = {\n")
        for idx, (java, ere, how) in enumerate(self.pattern_list):
            w("\t/* %d: %s */\n" % (idx, how))
            # the ERE holds UTF-8 bytes as code points 0..255 (ere_literal)
            w("\t{ %s,\n\t  %s },\n"
              % (c_string(ere.encode("latin-1")) if ere else "NULL", c_string(java)))
        w("};\nconst unsigned sm_npatterns = sizeof sm_patterns / sizeof sm_patterns[0];\n\n")

        for name in self.order:
            s = self.raw[name]
            if "enum" in s:
                w("static const char *const sm_enum_%s[] = {\n" % c_ident(name))
                line = "\t"
                for v in s["enum"]:
                    item = c_string(v) + ", "
                    if len(line) + len(item) > 78:
                        w(line.rstrip() + "\n")
                        line = "\t"
                    line += item
                w(line + "NULL,\n};\n")
        w("\n")

        # Shapes come in DFS post-order, so everything a definition points at
        # is already defined (edges that close a cycle point at nothing).
        # Only what is referenced is emitted: gcc warns on unused statics.
        nodes = {shape for _, shape in inputs}
        cut_nodes = set()
        for name in self.order:
            s = self.raw[name]
            for k in ("member", "key", "value"):
                if k in s:
                    (cut_nodes if (name, k) in self.cut else nodes).add(s[k]["shape"])
        for name in sorted(cut_nodes):
            w("static const struct sm_spec sm_cut_%s = { %s };\n"
              % (c_ident(name), ", ".join(self.node_fields(name, unchecked=True))))
        for name in self.order:
            s = self.raw[name]
            if s["type"] == "structure":
                members = s.get("members", {})
                required = set(s.get("required", []))
                w("static const struct sm_spec sm_members_%s[] = {\n" % c_ident(name))
                for mname, m in members.items():
                    wire = m.get("locationName", mname)
                    f = [".name = %s" % c_string(wire)]
                    if mname in required:
                        f.append(".required = 1")
                    f += self.node_fields(m["shape"], unchecked=(name, mname) in self.cut)
                    w("\t{ %s },\n" % ", ".join(f))
                if not members:
                    w("\t{ .type = SM_T_STRUCTURE, .pattern = -1 },  /* unused */\n")
                w("};\n")
            if name in nodes:
                w("static const struct sm_spec sm_shape_%s = { %s };\n"
                  % (c_ident(name), ", ".join(self.node_fields(name))))
        w("\n")

        w("const struct sm_op_spec sm_op_specs[] = {\n")
        for op, shape in inputs:
            w("\t{ %s, &sm_shape_%s },\n" % (c_string(op), c_ident(shape)))
        w("};\nconst unsigned sm_nop_specs = sizeof sm_op_specs / sizeof sm_op_specs[0];\n")


# ---- self-test ----------------------------------------------------------------

def self_test(gen):
    """Check OVERRIDES against their originals, and every ERE against the
    Java regex (as Python re), on random strings, through libc's regcomp."""
    import ctypes
    import ctypes.util

    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    buf = ctypes.create_string_buffer(256)  # regex_t is 64 bytes on glibc
    REG_EXTENDED, REG_NOSUB = 1, 8

    def java_to_py(j):
        # Python's re is close enough to Java for these patterns, bar the
        # classes it lacks; skip patterns that use them.
        if "\\p" in j or "\\u" in j:
            return None
        return re.compile(j.replace("\\/", "/"))

    # No \n or \r: Java's '.' excludes both, Python's only \n.
    alphabet = "aZ09-_./:@+= \t\\[]^$*()|{}?,K" + "sagemakr"
    rng = random.Random(1)
    failures = 0
    for java, ere, how in gen.pattern_list:
        if ere is None:
            continue
        if libc.regcomp(buf, ere.encode("latin-1"), REG_EXTENDED | REG_NOSUB) != 0:
            print("regcomp failed: %r -> %r" % (java, ere))
            failures += 1
            continue
        py = java_to_py(java)
        samples = [""] + ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
                          for _ in range(3000)]
        if py is not None:
            # strings the Java regex accepts, to exercise the positive side
            samples += [s for s in (gen_matching(java, rng) for _ in range(300)) if s]
        for s in samples:
            want = py.fullmatch(s) is not None if py else None
            got = libc.regexec(buf, s.encode("utf-8"), 0, None, 0) == 0
            if want is not None and want != got:
                print("mismatch %r on %r: java %s, ere %s" % (java, s, want, got))
                failures += 1
                break
        if "." in java and libc.regexec(buf, b"a\nb", 0, None, 0) == 0 \
                and py is not None and py.fullmatch("a\nb") is None:
            print("'.' matched a newline in %r" % java)
            failures += 1
        libc.regfree(buf)
    for java, rewrite in OVERRIDES.items():
        po = re.compile(java.replace("\\/", "/"))
        pr = re.compile(rewrite.replace("\\/", "/"))
        for _ in range(20000):
            s = "".join(rng.choice("a-0./ \t\nxyz") for _ in range(rng.randint(0, 10)))
            if rng.random() < 0.3:
                s = "arn:aws:sagemaker:us-east-1:123456789012:endpoint/" + s
            if (po.fullmatch(s) is None) != (pr.fullmatch(s) is None):
                print("override mismatch %r on %r" % (java, s))
                failures += 1
                break
    print("self-test: %d patterns, %d failures" % (len(gen.pattern_list), failures))
    return failures == 0


def gen_matching(java, rng):
    """A crude string the Java regex probably accepts: try random strings
    built from the characters the pattern mentions."""
    chars = sorted(set(re.sub(r"\\[dws]", "", java)) - set("\\") | set("az09"))
    py = re.compile(java.replace("\\/", "/"))
    for _ in range(50):
        s = "".join(rng.choice(chars) for _ in range(rng.randint(1, 8)))
        if py.fullmatch(s):
            return s
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--self-test", action="store_true",
                    help="check the regex translations instead of generating")
    args = ap.parse_args()
    model = botocore.session.get_session().get_service_model("sagemaker")
    gen = Generator(model)
    if args.self_test:
        gen.run(open("/dev/null", "w"))
        sys.exit(0 if self_test(gen) else 1)
    gen.run(sys.stdout)


if __name__ == "__main__":
    main()
