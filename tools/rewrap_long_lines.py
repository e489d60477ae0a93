"""Wrap what ruff format leaves over 88 columns: comments and string literals, in
Python files and in the code cells of notebooks.

Every change is whitespace inside comments, a trailing comment moved onto its own line
above, or a string literal split into implicitly concatenated pieces; each file (each
notebook cell) is checked before it is written: its AST must be unchanged, otherwise it
is skipped and named. Docstrings are not touched (an earlier version wrapped them and
broke their structure; wrap them by hand). Usage::

    .venv/bin/python tools/rewrap_long_lines.py --comments-first FILE...  # first
    .venv/bin/ruff format FILE...
    .venv/bin/python tools/rewrap_long_lines.py FILE...
    .venv/bin/ruff format FILE...

A ``.ipynb`` FILE is processed cell by cell (cells tagged ``parameters`` and cells with
IPython magics are left alone); its outputs are not touched, so ``make nbval`` checks
that the chapter still gives them.

``--comments-first`` moves the trailing comment of each overlong line onto its own line
above (ruff format would otherwise split the code to make room for the comment).
"""

import ast
import io
import json
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
        elif t.type == tokenize.STRING and t.start[0] == t.end[0]:
            bare = depth == 0
            if bare:
                # a string that is the whole right-hand side of an assignment: split
                # inside parentheses
                k = toks.index(t)
                before, after = toks[k - 1], toks[k + 1]
                if not (
                    before.type == tokenize.OP
                    and before.string in ("=", "+=")
                    and after.type in (tokenize.NEWLINE, tokenize.COMMENT)
                ):
                    continue
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
            if bare:
                new = "(" + new + ")"
            edits.append((t.start, t.end, new))
    for (sr, sc), (_er, ec), new in reversed(edits):
        line = lines[sr - 1]
        nl = (line[:sc] + new + line[ec:]).split("\n")
        lines[sr - 1 : sr] = nl
    return lines


def fix_one_line_docstrings(lines):
    """Wrap a one-line docstring over 88 columns onto continuation lines at its
    indentation."""
    out = []
    for line in lines:
        m = re.match(r'^(\s*)"""(.*)"""$', line)
        if len(line) <= W or not m or '"""' in m.group(2) or "\\" in m.group(2):
            out.append(line)
            continue
        ind, body = m.group(1), m.group(2)
        words = body.split(" ")
        rows, cur = [], ind + '"""'
        for w in words:
            room = W - (3 if w is words[-1] else 0)
            if cur.strip() != '"""' and len(cur) + 1 + len(w) > room:
                rows.append(cur)
                cur = ind + w
            else:
                cur = cur + ("" if cur.strip() == '"""' else " ") + w
        rows.append(cur + '"""')
        out.extend(rows)
    return out


def strip_docs(tree):
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            node.value.value = " ".join(node.value.value.split())
    return ast.dump(tree)


def process_source(src, what):
    """The rewrapped source, or None when the AST would change."""
    lines = src.split("\n")
    if lines and lines[-1] == "":
        lines = lines[:-1]
    for _ in range(6):
        if "c" in what:
            lines = fix_comments(lines)
        if "s" in what:
            lines = fix_strings(lines)
            lines = fix_one_line_docstrings(lines)
    # separator comments (# ------) are cut to the line length
    lines = [
        line[:W] if len(line) > W and re.match(r"^\s*# ?[-=#]{20,}\s*$", line) else line
        for line in lines
    ]
    new = "\n".join(lines) + "\n"
    if strip_docs(ast.parse(src)) != strip_docs(ast.parse(new)):
        return None
    return new


def process(path, what):
    if str(path).endswith(".ipynb"):
        return process_notebook(path, what)
    p = pathlib.Path(path)
    src = p.read_text()
    new = process_source(src, what)
    if new is None:
        print("AST CHANGED, skipped:", path)
    elif new != src:
        p.write_text(new)


def _code_cells(nb):
    for i, cell in enumerate(nb["cells"]):
        src = "".join(cell["source"])
        if (
            cell["cell_type"] == "code"
            and "parameters" not in cell.get("metadata", {}).get("tags", [])
            and not re.search(r"^\s*[%!]", src, re.M)
        ):
            yield i, cell, src


def _write_notebook(path, nb):
    text = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
    pathlib.Path(path).write_text(text)


def process_notebook(path, what):
    nb = json.loads(pathlib.Path(path).read_text())
    changed = False
    for i, cell, src in _code_cells(nb):
        new = process_source(src, what)
        if new is None:
            print(f"AST CHANGED, skipped: {path} cell {i}")
            continue
        new = new[:-1] if not src.endswith("\n") else new
        if new != src:
            cell["source"] = new.splitlines(keepends=True)
            changed = True
    if changed:
        _write_notebook(path, nb)


def move_trailing_comments_notebook(path):
    nb = json.loads(pathlib.Path(path).read_text())
    changed = False
    for i, cell, src in _code_cells(nb):
        new = move_trailing_comments_source(src)
        if new is None:
            print(f"AST CHANGED, skipped: {path} cell {i}")
        elif new != src:
            cell["source"] = new.splitlines(keepends=True)
            changed = True
    if changed:
        _write_notebook(path, nb)


def move_trailing_comments(path):
    """Move the trailing comment of each overlong line onto its own line above."""
    if str(path).endswith(".ipynb"):
        return move_trailing_comments_notebook(path)
    src = open(path).read()
    new = move_trailing_comments_source(src)
    if new is None:
        print("AST CHANGED, skipped:", path)
    elif new != src:
        open(path, "w").write(new)


def move_trailing_comments_source(src):
    """``src`` with overlong lines' trailing comments above them; None if the AST
    would change."""
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
        return None
    return new


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "--comments-first":
        for f in args[1:]:
            move_trailing_comments(f)
    else:
        for f in args:
            process(f, "cs")
