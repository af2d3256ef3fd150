"""Type stubs of holdsim's compiled module (python/src/). Use the `holdsim` package's
functions; these are their building blocks."""

import os
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

__version__: str

class HoldsimError(Exception):
    """An error from holdsim (the CLI would have printed it and exited non-zero)."""

class ScenarioError(HoldsimError):
    """An invalid scenario; `.problems` lists each problem as a dict with `file`,
    `line`, `key` and `message`."""

    problems: List[Dict[str, Any]]

class Scenario:
    """A holdsim scenario: every parameter resolved, checked like `holdsim check`."""

    @property
    def name(self) -> str: ...
    @property
    def title(self) -> Optional[str]: ...
    @staticmethod
    def load(path: Union[str, os.PathLike[str]], overrides: Sequence[str] = ...) -> Scenario:
        """Loads a scenario file (and its `base` chain) with optional `--set` style
        overrides (`["workforce.link_workers=6"]`). Raises `ScenarioError`."""
    @staticmethod
    def from_toml(text: str, name: Optional[str] = None, overrides: Sequence[str] = ...) -> Scenario:
        """A scenario from TOML text (no `base`); `name` labels problems and results."""
    def set(self, path: str, value: Union[int, float]) -> None:
        """Sets one parameter by dotted path (as `--set path=value`)."""
    def get(self, path: str) -> Union[int, float]:
        """One parameter by dotted path."""
    def to_toml(self) -> str:
        """The resolved scenario as TOML, every key present, units as comments."""
    def check(self) -> None:
        """Raises `ScenarioError` if the scenario cannot run."""
    def copy(self) -> Scenario:
        """An independent copy."""
    def __copy__(self) -> Scenario: ...
    def __deepcopy__(self, memo: Any) -> Scenario: ...

Columns = List[Tuple[str, str, Union[bytes, List[str]]]]

def run(scenario: Scenario, threads: Optional[int] = None, progress: bool = False) -> Dict[str, Any]: ...
def compare(
    scenarios: Sequence[Scenario], names: Sequence[str], threads: Optional[int] = None, progress: bool = False
) -> Dict[str, Any]: ...
def simulate(
    scenario: Scenario, params: Dict[str, float], replications: int, seed: int, threads: Optional[int] = None
) -> Dict[str, float]: ...
def simulate_many(
    scenario: Scenario,
    names: Sequence[str],
    rows: Sequence[Sequence[float]],
    replications: int,
    seed: int,
    threads: Optional[int] = None,
) -> bytes: ...
def kpi_names() -> List[str]: ...
def experiment(
    command: str,
    experiment: str,
    out: str,
    threads: Optional[int] = None,
    force: bool = False,
    overrides: Sequence[str] = ...,
    progress: bool = False,
) -> None:
    """Runs `holdsim sweep` or `holdsim sensitivity` (`command`) in-process."""
