"""Tab completion for `%lambda` and `%%lambda`: what may come next on the magic's line.

`candidates` reads the line up to the cursor and offers what fits there: a command, a function
name, an option, an option's values (runtimes, log formats and levels...), an event type, an
event type's parameters. It knows the grammar from the very parsers the magic parses with (and
the option declarations in `lambda_nb.options`), so the two cannot disagree, and it imports
nothing of IPython.

`register(shell)` plugs it into IPython's completer (`shell.Completer`, which serves the
kernel's complete requests): on IPython >= 8.6 as a matcher (API v2) in
`Completer.custom_matchers`, which can suppress the other matchers (Jedi would offer Python
keywords among the runtimes); on older IPython (7.x, as on Colab) as a `complete_command` hook
keyed by `%lambda` and `%%lambda`, the way IPython's own `%run` and `%cd` complete.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from lambda_nb import options
from lambda_nb.commands import CommandError, events_module, split_line

HELP_FLAGS = ("-h", "--help")
# `s3.put(key="x", bu` -> the type and the text inside its parentheses, up to the cursor
_SPEC_OPEN = re.compile(r"([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)\(([^()]*)$")


def candidates(
    line: str,
    symbol: str,
    functions: Iterable[str],
    commands: Mapping[str, argparse.ArgumentParser],
    cell_parser: argparse.ArgumentParser,
) -> list[str]:
    """Completions for the text `line` (up to the cursor) of a `%lambda`/`%%lambda` line.

    `symbol` is the fragment IPython's splitter cut before the cursor (it splits at `(`, `=`,
    `@`...), and every candidate returned starts with it, as IPython's completer expects.
    `functions` are the names of the defined functions.
    """
    head, _, rest = line.lstrip().partition(" ")
    if head not in ("%lambda", "%%lambda"):  # not `lambda x: ...` (IPython also asks for that)
        return []
    names = sorted(functions)
    inside = _SPEC_OPEN.search(rest)
    if inside is not None:  # in an event spec's parentheses: its parameters, as `name=`
        return _relative(_spec_params(inside.group(1), inside.group(2)), symbol)
    words, current = _words(rest)
    if head == "%%lambda":
        found = _parser_words(cell_parser, words, current, names)
    elif not words:
        found = [*commands, *HELP_FLAGS]
    elif words[0] == "help":
        found = list(commands) if len(words) == 1 else []
    elif words[0] == "event":
        found = _event_words(words[1:], current)
    elif words[0] in commands:
        found = _parser_words(commands[words[0]], words[1:], current, names)
    else:
        found = []
    return _relative(_starting(found, current), symbol, current)


def wants_paths(line: str) -> bool:
    """Whether the word being typed is a path (`--bootstrap`, `--filename`, `--event @...`):
    then IPython's own file completion is left to offer it."""
    words, current = _words(line.lstrip().partition(" ")[2])
    previous = words[-1] if words else ""
    return previous in ("--bootstrap", "--filename") or current.lstrip("'\"").startswith("@")


def _words(text: str) -> tuple[list[str], str]:
    """The finished words before the cursor and the word being typed ("" after a space)."""
    try:
        words = split_line(text)
    except CommandError:  # an open quote: the word being typed is a quoted value
        words = text.split()
    if not text or text[-1].isspace():
        return words, ""
    return words[:-1], words[-1] if words else ""


def _starting(found: Iterable[str], current: str) -> list[str]:
    seen: dict[str, None] = {}
    for word in found:
        if word.startswith(current):
            seen.setdefault(word)
    return list(seen)


def _relative(found: Sequence[str], symbol: str, current: str | None = None) -> list[str]:
    """Candidates for the whole word `current` as completions of IPython's `symbol`, its tail."""
    if current is None or not current:
        return [w for w in found if w.startswith(symbol)]
    if not current.endswith(symbol):
        return []
    cut = len(current) - len(symbol)
    return [w[cut:] for w in found]


def _parser_words(
    parser: argparse.ArgumentParser, words: list[str], current: str, names: list[str]
) -> list[str]:
    """Completions from an argparse parser: an option's value, an option, or a positional."""
    takes_value = {s: a.nargs != 0 for a in parser._actions for s in a.option_strings}
    flags = [*takes_value, *HELP_FLAGS]
    if words and takes_value.get(words[-1], False):
        return _option_values(words[-1], names)
    if current.startswith("-"):
        return flags
    positionals = [a for a in parser._actions if not a.option_strings]
    index, skip = 0, False
    for word in words:
        if skip:
            skip = False
        elif word.startswith("-"):
            skip = takes_value.get(word, False) and word != "--env"
        else:
            index += 1
    if index < len(positionals):
        return _positional_values(positionals[index], names)
    return flags if not current else []


def _positional_values(action: argparse.Action, names: list[str]) -> list[str]:
    if action.metavar == "NAME":
        return names
    if action.metavar == "SOURCE.TYPE":
        return _event_types()
    return []


def _option_values(flag: str, names: list[str]) -> list[str]:
    if flag in options.EVENT.flags:
        return _event_types()
    option = options.find(flag)
    if option is not None and option.values is not None:
        return list(option.values())
    return []


def _events() -> Any:
    return events_module()


def _event_types() -> list[str]:
    events = _events()
    return [] if events is None else [t.name for t in events.catalog()]


def _event_type(name: str) -> Any:
    events = _events()
    if events is None:
        return None
    try:
        return events.get(name)
    except events.EventError:
        return None


def _event_words(words: list[str], current: str) -> list[str]:
    """`%lambda event SOURCE.TYPE --param value ... -o VAR`: types, then the type's options."""
    if not words:
        return _event_types()
    etype = _event_type(words[0].split("(", 1)[0])
    if etype is None:
        return []
    params = {p.cli_name: p for p in etype.params}
    if len(words) > 1 and words[-1] in params:
        return _param_values(params[words[-1]])
    if current.startswith("-") or not current:
        return [*params, "--seed", "-o", "--out", *HELP_FLAGS]
    return []


def _param_values(param: Any) -> list[str]:
    choices = [str(c) for c in param.choices]
    if choices:
        return choices
    return ["true", "false"] if param.type == "bool" else []


def _spec_params(type_name: str, inside: str) -> list[str]:
    """Inside `s3.put(`: the type's parameters not given yet, as `name=`."""
    etype = _event_type(type_name)
    if etype is None:
        return []
    given = set(re.findall(r"([A-Za-z_]\w*)\s*=", inside))
    typed = re.split(r"[(,\s]", inside)[-1]
    if "=" in typed:  # a value is being typed
        return []
    return [f"{p.name}=" for p in etype.params if p.name not in given]


# ------------------------------------------------------------------ IPython's completer

MAGIC_KEYS = ("%lambda", "%%lambda")


def _for_shell(shell: Any, line: str, symbol: str) -> list[str]:
    """`candidates` for the magics registered in `shell`, the functions of the default service.
    A failure completes nothing rather than disturb the user's typing."""
    try:
        from lambda_nb.engine import service
        from lambda_nb.magic import LINE_COMMANDS

        svc = service._default  # the functions defined so far; none if there is no service yet
        functions = list(svc.functions) if svc is not None and not svc._closed else []
        magics = shell.magics_manager.registry.get("LambdaMagics")
        if magics is None:
            return []
        return candidates(line, symbol, functions, LINE_COMMANDS, magics.lambda_.parser)
    except Exception:  # completion must never break the prompt
        return []


def hook(shell: Any, event: Any) -> list[str]:
    """The `complete_command` hook (IPython 7.x): `event.text_until_cursor` is the line so far,
    `event.symbol` the fragment being completed."""
    return _for_shell(shell, event.text_until_cursor, event.symbol)


def _matcher(shell: Any) -> Any:
    from IPython.core.completer import SimpleCompletion, context_matcher

    @context_matcher(identifier="lambda_nb.completion")
    def lambda_matcher(context: Any) -> dict[str, Any]:
        line = context.text_until_cursor
        if line.lstrip().partition(" ")[0] not in MAGIC_KEYS or " " not in line.lstrip():
            return {"completions": [], "suppress": False}
        found = _for_shell(shell, line, context.token)
        return {
            "completions": [SimpleCompletion(text=word, type="lambda") for word in found],
            "suppress": bool(found) or not wants_paths(line),
            "ordered": True,  # ours: python3.9 before python3.10, options as declared
        }

    lambda_matcher.lambda_nb = True
    return lambda_matcher


def register(shell: Any) -> None:
    """Complete `%lambda` and `%%lambda` lines in `shell` (once, also after %reload_ext)."""
    unregister(shell)
    completer = getattr(shell, "Completer", None)
    matchers = getattr(completer, "custom_matchers", None)
    try:
        from IPython.core.completer import context_matcher  # noqa: F401 - IPython >= 8.6
    except ImportError:
        matchers = None
    if matchers is not None:
        matchers.append(_matcher(shell))
        return
    for key in MAGIC_KEYS:
        shell.set_hook("complete_command", hook, str_key=key)


def unregister(shell: Any) -> None:
    """Remove what `register` added (IPython has no public way to remove a hook)."""
    matchers = getattr(getattr(shell, "Completer", None), "custom_matchers", None)
    if matchers is not None:
        matchers[:] = [m for m in matchers if not getattr(m, "lambda_nb", False)]
    dispatch = getattr(shell, "strdispatchers", {}).get("complete_command")
    for key in MAGIC_KEYS:
        chain = getattr(dispatch, "strs", {}).get(key)
        if dispatch is None or chain is None:
            continue
        chain.chain = [(p, f) for p, f in chain.chain if getattr(f, "__func__", f) is not hook]
        if not chain.chain:
            del dispatch.strs[key]
