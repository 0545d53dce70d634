"""docs/cli.md is exactly what each command's --help prints (python -m rag.cli_docs rewrites it)."""

from rag.cli import COMMANDS, main
from rag.cli_docs import CLI_DOC, render


def test_docs_cli_md_is_what_help_prints():
    assert CLI_DOC.read_text(encoding="utf-8") == render(), "docs/cli.md is stale: run python -m rag.cli_docs"


def test_every_command_has_a_section_and_its_help_runs(capsys):
    text = render()
    for command in COMMANDS:
        assert f"## `rag {command.name}`" in text
        try:
            main([command.name, "--help"])
        except SystemExit as exit_:
            assert exit_.code == 0
        assert capsys.readouterr().out.startswith(f"usage: rag {command.name}")
