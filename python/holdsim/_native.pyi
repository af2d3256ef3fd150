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

class Posterior:
    """Weighted posterior particles over dotted scenario paths: `posterior.csv` as
    `holdsim calibrate` writes it, or the same columns from a DataFrame."""

    @property
    def source(self) -> str:
        """The file as given, or `<DataFrame>`: what messages and the manifest call it."""
    @property
    def paths(self) -> List[str]:
        """The dotted scenario paths the particles set, in column order."""
    @property
    def weights(self) -> List[float]:
        """The particles' weights, normalised to sum to 1."""
    @staticmethod
    def read(path: Union[str, os.PathLike[str]]) -> Posterior:
        """Reads a `posterior.csv`, checked as `--posterior` checks it. Raises
        `HoldsimError` naming the file and line."""
    @staticmethod
    def from_columns(
        paths: Sequence[str], values: Sequence[Sequence[float]], weights: Sequence[float], source: str = ...
    ) -> Posterior:
        """Particles from columns (weights normalised). Raises `HoldsimError` naming
        the particle (its row, from 0)."""
    def values(self, particle: int) -> List[float]:
        """Particle `particle`'s values, in `paths` order."""
    def particle_for(self, seed: int, replication: int) -> int:
        """The particle replication `replication` runs with under `seed` (the same in
        every scenario)."""
    def __len__(self) -> int: ...

Columns = List[Tuple[str, str, Union[bytes, List[str]]]]

def run(
    scenario: Scenario, threads: Optional[int] = None, progress: bool = False, posterior: Optional[Posterior] = None
) -> Dict[str, Any]: ...
def compare(
    scenarios: Sequence[Scenario],
    names: Sequence[str],
    threads: Optional[int] = None,
    progress: bool = False,
    posterior: Optional[Posterior] = None,
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
