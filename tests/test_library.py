"""Reading a real public EI library (MassBank MSP) through matchms."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import SHARED_DATA
from gcmsflow.errors import GcmsflowError
from gcmsflow.library import load_library


@pytest.mark.shared_data
def test_massbank_library_loads_with_ri() -> None:
    library = load_library(SHARED_DATA / "library" / "massbank_gc_ei.msp")
    assert len(library.names) == 1517
    assert np.isfinite(library.ri).sum() == 1007
    asparagine = [k for k, name in enumerate(library.names) if name == "L-Asparagine (3 TMS)"]
    assert asparagine and all(library.intensity[k, 116] > 0 for k in asparagine)


def test_missing_library_is_refused(tmp_path) -> None:
    with pytest.raises(GcmsflowError, match="library file not found"):
        load_library(tmp_path / "none.msp")
