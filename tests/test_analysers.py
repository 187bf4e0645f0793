"""The analyser registry: Charter's own analysers, and third-party ones from entry points."""

from __future__ import annotations

from pathlib import Path

import pytest

from charter.analysers import BUILTIN_MODULES, ENTRY_POINT_GROUP, Analyser, registered

PLUGIN = '''
from typing import ClassVar
from charter.signals import Findings, Signal

class LoudHarm:
    """Replaces the built-in harm analyser, as a trained model would."""
    name: ClassVar[str] = "harm"
    def analyse(self, ctx):
        return Findings(signals=[Signal(id="plugin_ran", score=1.0, source="user")])

class NotAnAnalyser:
    pass
'''


def _install_plugin(tmp_path: Path, target: str) -> None:
    (tmp_path / "charter_test_plugin.py").write_text(PLUGIN)
    dist = tmp_path / "charter_test_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: charter-test-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\nplugin = charter_test_plugin:{target}\n")


def test_every_builtin_analyser_is_registered_and_learned_ones_replace_heuristics() -> None:
    found = registered()
    heuristic_modules = [m.rsplit(".", 1)[1] for m in BUILTIN_MODULES if not m.endswith(".learned")]
    assert sorted(found) == sorted(heuristic_modules)
    for name in ("harm", "crisis"):
        assert found[name].__module__ == "charter.analysers.learned"
    for cls in found.values():
        assert isinstance(cls(), Analyser)


def test_an_entry_point_replaces_a_builtin_of_the_same_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _install_plugin(tmp_path, "LoudHarm")
    monkeypatch.syspath_prepend(str(tmp_path))
    from charter import Charter

    found = registered()
    assert found["harm"].__name__ == "LoudHarm"
    decision = Charter().assess([{"role": "user", "content": "hello"}])
    assert any(s.id == "plugin_ran" for s in decision.signals)


def test_an_entry_point_that_is_not_an_analyser_is_a_clear_error(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    _install_plugin(tmp_path, "NotAnAnalyser")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(TypeError, match="does not name an analyser class"):
        registered()
