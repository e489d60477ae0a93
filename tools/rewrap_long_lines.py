"""Wrap what ruff format leaves over 88 columns: docstrings, comments, string literals.

A one-shot helper of issue 21 (the switch to ruff, line length 88), kept for merging
code written before it. Every change is whitespace inside docstrings and comments, or a
string literal split into implicitly concatenated pieces, and each file is checked
before it is written: its AST, with docstring whitespace normalised, must be unchanged
(otherwise the file is skipped and named). Literal blocks (after ``::``) are left
alone; what stays over 88 columns (a few lines a file) is wrapped by hand. Usage::

    .venv/bin/python tools/rewrap_long_lines.py --comments-first FILE...  # first
    .venv/bin/ruff format FILE...
    .venv/bin/python tools/rewrap_long_lines.py FILE...
    .venv/bin/ruff format FILE...

``--comments-first`` moves the trailing comment of each overlong line onto its own line
above (ruff format would otherwise split the code to make room for the comment).
"""

import ast
import io
import pathlib
import re
import sys
import tokenize

W = 88
FIELD = re.compile(
    r"^(``[^`]+``|[A-Za-z_*][\w\[\]\.]*(, ?[A-Za-z_*][\w\[\]\.]*)*):( |$)"
)
BULLET = re.compile(r"^(\s*)([*\-+] |\d+\. |#\. )")


def indent_of(s):
    return len(s) - len(s.lstrip(" "))


def split_words(text, room):
    """Split text (no leading spaces) at the last space so that the head fits in room
    chars."""
    if len(text) <= room:
        return text, ""
    cut = text.rfind(" ", 0, room + 1)
    if cut <= 0:
        return None
    return text[:cut].rstrip(), text[cut + 1 :].lstrip()


def doc_ranges(tree):
    out = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            if node.end_lineno > node.lineno or True:
                out.append((node.lineno, node.end_lineno))
    return out


def fix_docstrings(lines, tree):
    for a, b in sorted(doc_ranges(tree), reverse=True):
        # lines a..b (1-based)
        i = a - 1
        end = b - 1
        while i <= end:
            line = lines[i]
            if len(line) <= W:
                i += 1
                continue
            # literal block? look back for a '::' line with smaller indent
            ind = indent_of(line) if i > a - 1 else None
            first = i == a - 1
            if first:
                m = re.match(r'^(\s*)([rRbBuUfF]*)("""|\'\'\')', line)
                if not m:
                    i += 1
                    continue
                ind = len(m.group(1))
                content_start = m.end()
            else:
                content_start = ind
            literal = False
            cur_min = ind
            for j in range(i - 1, a - 2, -1):
                lj = lines[j]
                if not lj.strip():
                    continue
                if indent_of(lj) < cur_min or j == a - 1:
                    if lj.rstrip().endswith("::"):
                        literal = True
                        break
                    cur_min = min(cur_min, indent_of(lj))
                    if j == a - 1:
                        break
            if literal or line.strip().startswith(("|", "+-", ">>>")):
                i += 1
                continue
            # continuation indent
            mb = BULLET.match(line) if not first else None
            nxt = lines[i + 1] if i + 1 <= end else ""
            if mb:
                cont = len(mb.group(0))
            else:
                cont = ind
            if (
                nxt.strip()
                and indent_of(nxt) > ind
                and not mb
                and not nxt.strip().startswith('"""')
            ):
                cont = indent_of(nxt)
            if not first and not mb and cont == ind and FIELD.match(line.strip()):
                cont = ind + 4
            body = line[content_start:]
            closing = ""
            if i == end:
                # last line holds the closing quotes
                mq = re.search(r'("""|\'\'\')\s*$', body)
                if not mq:
                    i += 1
                    continue
                closing = mq.group(1)
                body = body[: mq.start()]
            head_room = W - content_start - len(closing)
            sp = split_words(body, head_room)
            if sp is None:
                i += 1
                continue
            head, rest = sp
            if not rest:
                i += 1
                continue
            lines[i] = line[:content_start] + head
            # push rest into next continuation line if compatible
            if (
                not closing
                and i + 1 <= end
                and nxt.strip()
                and indent_of(nxt) == cont
                and not BULLET.match(nxt)
                and not nxt.strip().startswith(('"""', "'''", "..", ">>>"))
                and not re.match(r"^:[\w ]+:(?!`)", nxt.strip())
                and not FIELD.match(nxt.strip())
                and not (i + 1 == end and nxt.strip() in ('"""', "'''"))
            ):
                lines[i + 1] = " " * cont + rest + " " + nxt.strip()
            else:
                lines.insert(i + 1, " " * cont + rest + closing)
                end += 1
            i += 1
    return lines


def fix_comments(lines):
    src = "\n".join(lines) + "\n"
    toks = list(tokenize.generate_tokens(io.StringIO(src).readline))
    comments = {}
    for t in toks:
        if t.type == tokenize.COMMENT:
            comments[t.start[0]] = t
    out = list(lines)
    for ln in sorted(comments, reverse=True):
        t = comments[ln]
        line = out[ln - 1]
        if len(line) <= W:
            continue
        text = t.string
        if re.match(r"#\s*(noqa|type:|pragma|fmt:)", text) or "noqa" in text:
            continue
        mk = re.match(r"#:? ?", text)
        marker = mk.group(0) if mk.group(0).strip() else "# "
        if not marker.endswith(" "):
            marker += " "
        body = text[len(mk.group(0)) :]
        full = line[: t.start[1]].strip() == ""
        ind = t.start[1] if full else indent_of(line)
        if not full:
            # move inline comment above the code line
            code = line[: t.start[1]].rstrip()
            if len(code) > W:
                continue
            new = []
            rest = body
            while rest:
                sp = split_words(rest, W - ind - len(marker))
                if sp is None:
                    new.append(" " * ind + marker + rest)
                    break
                h, rest = sp
                new.append(" " * ind + marker + h)
            out[ln - 1 : ln] = new + [code]
            continue
        sp = split_words(body, W - ind - len(marker))
        if sp is None:
            continue
        h, rest = sp
        out[ln - 1] = " " * ind + marker + h
        nxt = out[ln] if ln < len(out) else ""
        nm = re.match(r"^(\s*)(#:? )(.*)$", nxt)
        if (
            nm
            and len(nm.group(1)) == ind
            and nm.group(2) == marker
            and nm.group(3).strip()
            and not BULLET.match(nm.group(3))
        ):
            out[ln] = " " * ind + marker + rest + " " + nm.group(3)
            # may now be too long; handle with another pass
        else:
            out.insert(ln, " " * ind + marker + rest)
    return out


def fix_strings(lines):
    src = "\n".join(lines) + "\n"
    toks = list(tokenize.generate_tokens(io.StringIO(src).readline))
    depth = 0
    edits = []
    for t in toks:
        if t.type == tokenize.OP and t.string in "([{":
            depth += 1
        elif t.type == tokenize.OP and t.string in ")]}":
            depth -= 1
        elif t.type == tokenize.STRING and t.start[0] == t.end[0] and depth > 0:
            line = lines[t.start[0] - 1]
            if len(line) <= W:
                continue
            m = re.match(r"^([a-zA-Z]*)(['\"])", t.string)
            if not m or t.string[len(m.group(1)) :].startswith(("'''", '"""')):
                continue
            prefix, q = m.group(1), m.group(2)
            body = t.string[len(prefix) + 1 : -1]
            isf = "f" in prefix.lower()
            col = t.start[1]
            # candidate split positions: after a space, outside braces (f), not after
            # backslash
            pieces = []
            cur_start = 0
            first_room = W - col - len(prefix) - 2
            room = first_room
            while True:
                remaining = body[cur_start:]
                if len(remaining) <= room:
                    pieces.append(remaining)
                    break
                d = 0
                best = None
                k = cur_start
                while k < len(body):
                    ch = body[k]
                    if isf and ch in "{}":
                        if k + 1 < len(body) and body[k + 1] == ch and d == 0:
                            k += 2
                            continue
                        d += 1 if ch == "{" else -1
                    elif ch == "\\":
                        k += 2
                        continue
                    elif ch == " " and d == 0 and k - cur_start + 1 <= room:
                        best = k
                    if k - cur_start + 1 > room:
                        break
                    k += 1
                if best is None:
                    pieces = None
                    break
                pieces.append(body[cur_start : best + 1])
                cur_start = best + 1
                room = W - col - len(prefix) - 2
            if not pieces or len(pieces) < 2:
                continue
            # a piece without braces in an f-string keeps the f prefix anyway (harmless
            # for ast? f"x" -> JoinedStr)
            parts = [f"{prefix}{q}{p}{q}" for p in pieces]
            new = ("\n" + " " * col).join(parts)
            edits.append((t.start, t.end, new))
    for (sr, sc), (_er, ec), new in reversed(edits):
        line = lines[sr - 1]
        nl = (line[:sc] + new + line[ec:]).split("\n")
        lines[sr - 1 : sr] = nl
    return lines


def strip_docs(tree):
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            node.value.value = " ".join(node.value.value.split())
    return ast.dump(tree)


def process(path, what):
    p = pathlib.Path(path)
    src = p.read_text()
    lines = src.split("\n")
    if lines and lines[-1] == "":
        lines = lines[:-1]
    for _ in range(6):
        tree = ast.parse("\n".join(lines))
        if "d" in what:
            lines = fix_docstrings(lines, tree)
        if "c" in what:
            lines = fix_comments(lines)
        if "s" in what:
            lines = fix_strings(lines)
    # separator comments (# ------) are cut to the line length
    lines = [
        line[:W] if len(line) > W and re.match(r"^\s*# ?[-=#]{20,}\s*$", line) else line
        for line in lines
    ]
    new = "\n".join(lines) + "\n"
    a = strip_docs(ast.parse(src))
    b = strip_docs(ast.parse(new))
    if a != b:
        print("AST CHANGED, skipped:", path)
        return
    if new != src:
        p.write_text(new)


def move_trailing_comments(path):
    """Move the trailing comment of each overlong line onto its own line above."""
    src = open(path).read()
    lines = src.split("\n")
    toks = list(tokenize.generate_tokens(io.StringIO(src).readline))
    moves = []
    for t in toks:
        if t.type != tokenize.COMMENT:
            continue
        ln = t.start[0]
        line = lines[ln - 1]
        if not line[: t.start[1]].strip() or len(line) <= W:
            continue  # a full-line comment, or a line that fits
        if re.match(r"#\s*(noqa|type:|pragma|fmt:)", t.string) or "noqa" in t.string:
            continue
        moves.append((ln, t.start[1], t.string))
    for ln, col, text in reversed(moves):
        line = lines[ln - 1]
        ind = len(line) - len(line.lstrip(" "))
        lines[ln - 1 : ln] = [" " * ind + text, line[:col].rstrip()]
    new = "\n".join(lines)
    if ast.dump(ast.parse(src)) != ast.dump(ast.parse(new)):
        print("AST CHANGED, skipped:", path)
    elif new != src:
        open(path, "w").write(new)


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "--comments-first":
        for f in args[1:]:
            move_trailing_comments(f)
    else:
        for f in args:
            process(f, "dcs")
