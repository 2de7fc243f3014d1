"""The scalar logs MMEngine's ``LocalVisBackend`` writes into a work dir.

Each run writes ``<work_dir>/<timestamp>/vis_data/scalars.json``, one JSON
record per log step; a resumed run adds a later timestamp.
"""
import glob
import json
import os.path as osp
from typing import Iterator, List


def scalars_files(work_dir: str) -> List[str]:
    """The work dir's ``scalars.json`` files, oldest run first."""
    return sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                     'scalars.json')))


def read_records(path: str) -> Iterator[dict]:
    """The JSON records of one ``scalars.json``; a line that is not JSON
    raises ValueError naming the file and line."""
    with open(path) as f:
        for number, line in enumerate(f, 1):
            try:
                yield json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(
                    f'{path}:{number} is not JSON: {error}') from None
