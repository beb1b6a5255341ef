"""Every command of DESIGN.md's command-line contract is on the parser.

The command modules are imported plainly by ``counter.cli`` (no "may be missing" guard): a
renamed or broken module fails the import, and a command group dropped from COMMAND_MODULES
fails here.
"""

from __future__ import annotations

import argparse

import pytest

from counter.cli import bare_args, build_parser, command_modules

# DESIGN.md, "Command line (contract)": command -> its sub-commands (empty: none named there).
CONTRACT: dict[str, tuple[str, ...]] = {
    "demo": (),
    "seed-demo": (),
    "init": (),
    "officer": ("add", "list", "disable"),
    "nik": (),
    "lookup": (),
    "registry": ("import",),
    "report": (),
    "export": (),
    "qr": ("install", "activation", "help"),
    "bundle": ("export", "import"),
    "backup": (),
    "restore": (),
    "doctor": (),
    "locate": (),
    "coverage": (),
    "plan": (),
}


def _choices(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


@pytest.mark.parametrize("lang", ["en", "id"])
def test_every_command_of_the_contract_is_there(lang: str) -> None:
    commands = _choices(build_parser(lang))
    missing = sorted(set(CONTRACT) - set(commands))
    assert missing == []
    for name, subs in CONTRACT.items():
        sub = _choices(commands[name])
        if sub:
            assert set(subs) <= set(sub), (name, sorted(sub))


def test_qr_kinds_parse() -> None:
    parser = build_parser()
    for kind in CONTRACT["qr"]:
        args = parser.parse_args(["qr", kind])
        assert args.command == "qr" and callable(args.func)


def test_every_command_module_registers_something() -> None:
    for module in command_modules():
        before = argparse.ArgumentParser()
        sub = before.add_subparsers()
        module.register(sub)
        assert sub.choices, module.__name__


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--db", "x.db"],
        ["--db=x.db", "--lang", "en", "--debug"],
        ["--config", "c.toml", "--lang=id"],
    ],
)
def test_a_bare_command_line_parses_as_the_whole_parser_does(argv: list[str]) -> None:
    bare = bare_args(argv)
    assert bare is not None
    assert vars(bare) == vars(build_parser().parse_args(argv))


@pytest.mark.parametrize(
    "argv",
    [["tui"], ["-h"], ["--lang", "fr"], ["--db"], ["--debug=1"], ["--db", "x", "report"]],
)
def test_anything_else_goes_to_the_whole_parser(argv: list[str]) -> None:
    assert bare_args(argv) is None
