"""The package's import layering is the one docs/design.md lists: each
folder imports only from folders below it in the Layout list, so no two
folders import each other (``cache/`` and ``models/`` once did)."""
import os
import os.path as osp
import re

from tests.test_tools.tool_runs import REPO_ROOT

PACKAGE = osp.join(REPO_ROOT, 'mmpose_kd')
IMPORT = re.compile(r'^\s*(?:from|import)\s+mmpose_kd\.(\w+)', re.M)
LISTED = re.compile(r'^    mmpose_kd/(\w+)[/.]', re.M)
#: Not in the list: the registries sit just above utils; compat.py patches
#: what it imports, at import time (its own section in design.md).
UNLISTED = {'registry': 'utils', 'compat': None}


def layer_order():
    with open(osp.join(REPO_ROOT, 'docs', 'design.md')) as f:
        listed = list(dict.fromkeys(LISTED.findall(f.read())))
    order = [name for name in listed if name != 'compat']
    order.insert(order.index(UNLISTED['registry']), 'registry')
    return order


def folder_imports():
    """``{(importer, imported): first file}`` between top-level folders."""
    found = {}
    for root, _, files in os.walk(PACKAGE):
        for name in sorted(files):
            if not name.endswith('.py'):
                continue
            path = osp.join(root, name)
            parts = osp.relpath(path, PACKAGE).split(os.sep)
            importer = parts[0][:-3] if len(parts) == 1 else parts[0]
            with open(path) as f:
                for imported in IMPORT.findall(f.read()):
                    if imported != importer:
                        found.setdefault((importer, imported),
                                         osp.relpath(path, REPO_ROOT))
    return found


def test_every_folder_is_listed():
    order = layer_order()
    folders = {name[:-3] if name.endswith('.py') else name
               for name in os.listdir(PACKAGE)
               if not name.startswith(('_', '.')) and
               (name.endswith('.py') or osp.isdir(osp.join(PACKAGE, name)))}
    folders -= {'version', 'compat'}
    assert folders <= set(order), folders - set(order)


def test_imports_point_down_the_list():
    order = layer_order()
    upward = [f'{path}: {importer} imports {imported}'
              for (importer, imported), path in folder_imports().items()
              if importer in order and imported in order and
              order.index(imported) <= order.index(importer)]
    assert not upward, '\n'.join(upward)


def test_the_check_sees_a_cycle():
    order = layer_order()
    assert order.index('models') < order.index('cache') < \
        order.index('model_parts') < order.index('utils')
    imports = folder_imports()
    assert ('models', 'cache') in imports  # the distiller reads the cache
    assert ('cache', 'models') not in imports
