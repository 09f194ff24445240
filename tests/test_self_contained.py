"""A clone stands alone: nothing the tests or the product need lies outside the repository (issue 8)."""

from __future__ import annotations

import hashlib
import re
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.support import confinement
from tests.support.models import EXAMPLES, MODELS, SCHEMAS, load_model, load_schema

REPO = confinement.REPO


def test_given_the_reference_folder_beside_the_checkout_when_anything_opens_it_then_it_is_refused(tmp_path):
    for path in (confinement.SHARED / "amazon" / "models" / "ordersV0.json", confinement.SHARED):
        with pytest.raises(PermissionError, match="outside the repository"):
            open(path)  # noqa: SIM115 - the open itself is what is refused
    # anything else beside the checkout too, unless the checkout itself lies in the temporary directory
    # (a clone in /tmp: its neighbours are the tests' own temporary files)
    in_tmp = confinement._inside(str(confinement.BESIDE), Path(tempfile.gettempdir()).resolve())
    assert confinement.refused(confinement.BESIDE / "some-other-checkout" / "file.json") is not in_tmp
    with pytest.raises(PermissionError):
        list(Path(confinement.SHARED).iterdir())
    # what the suite legitimately reads stays readable: the checkout, temporary files, the installed packages
    (tmp_path / "x.txt").write_text("ok")
    assert (tmp_path / "x.txt").read_text() == "ok"
    assert not confinement.refused(REPO / "pyproject.toml")
    assert not confinement.refused(pytest.__file__)


def test_amazons_models_and_schemas_are_in_the_repository_with_their_licence():
    assert (REPO / "tests" / "amazon" / "LICENSE").read_text().lstrip().startswith("Apache License")
    assert (SCHEMAS / "LICENSE").read_text().lstrip().startswith("Apache License")
    # the source and its commit beside each copy
    assert "34dc93fe" in (REPO / "tests" / "amazon" / "README.md").read_text()
    assert "34dc93fe" in (SCHEMAS / "NOTICE").read_text()
    for api in ("orders_2026", "orders_v0", "feeds", "reports", "listings", "tokens", "notifications"):
        assert load_model(api)["swagger"] == "2.0"
    assert load_schema("listings-feed-schema-v2.example.json")["messages"]
    assert load_schema("OrderChangeNotification.json")["properties"]


def test_every_copy_of_amazons_files_is_byte_for_byte_as_published():
    manifest = (REPO / "tests" / "amazon" / "README.md").read_text()
    expected = dict(re.findall(r"\| `([^`]+)` \| `([0-9a-f]{64})` \|", manifest))
    on_disk = {str(p.relative_to(REPO)) for folder in (MODELS, EXAMPLES, SCHEMAS) for p in folder.glob("*.json")}
    assert on_disk == set(expected), "every copied file is listed in tests/amazon/README.md, and only those"
    for name, digest in expected.items():
        assert hashlib.sha256((REPO / name).read_bytes()).hexdigest() == digest, f"{name} differs from Amazon's"


def test_no_code_builds_a_path_to_the_folder_beside_the_checkout():
    tracked = subprocess.run(["git", "ls-files", "*.py", "Makefile", ".ci/*", "*.toml", "*.cfg", "*.ini"],
                             cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    pattern = re.compile(r"""\.\./shared|["']shared["']\s*[,)/]|/\s*["']shared["']""")
    own = {"tests/test_self_contained.py", "tests/support/confinement.py"}  # the guard names what it guards
    offenders = [f"{name}:{n}" for name in tracked if name not in own
                 for n, line in enumerate((REPO / name).read_text(errors="replace").splitlines(), 1)
                 if pattern.search(line)]
    assert offenders == []
