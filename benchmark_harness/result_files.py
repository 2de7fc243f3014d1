"""Where a measurement's results go: ``OUT`` (JSON) and ``OUT``'s ``.md``."""
import json
import os
import os.path as osp


def write_result_files(out: str, result: dict, markdown: str) -> None:
    """Write ``result`` as JSON to ``out`` and ``markdown`` beside it with
    the extension ``.md``, creating the folder."""
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    with open(out, 'w') as f:
        json.dump(result, f, indent=2)
    with open(osp.splitext(out)[0] + '.md', 'w') as f:
        f.write(markdown + '\n')
