"""Build and install ``mmpose_kd``.

``install_requires`` is deliberately empty: MMPose declares dependencies that
do not install on Python 3.11 (chumpy), and the OpenMMLab stack must go in a
fixed order. ``bash tools/install_env.sh VENV`` installs the pinned stack and
then this package with ``--no-deps``. ``pip install .`` alone adds only
mmpose_kd.

Like OpenMMLab's ``add_mim_extension``, a non-editable build ships the
top-level ``configs/`` and ``tools/`` inside the package as
``mmpose_kd/.mim/configs`` and ``mmpose_kd/.mim/tools``, where
``mim train mmpose_kd CONFIG`` looks for them. They are copied into the build
directory, never into the source tree. An editable or ``develop`` install
links them from the source tree instead (``mmpose_kd/.mim`` is git-ignored);
note that ``mim`` does not find PEP 660 editable installs at all.
"""
import os
import os.path as osp
import shutil

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py
from setuptools.command.develop import develop

HERE = osp.dirname(osp.abspath(__file__))
PACKAGE = 'mmpose_kd'
MIM_DIRS = ('configs', 'tools')
MIM_IGNORE = shutil.ignore_patterns('__pycache__', '*.py[cod]')


def get_version() -> str:
    namespace = {}
    with open(osp.join(HERE, PACKAGE, 'version.py'), encoding='utf-8') as f:
        exec(compile(f.read(), 'version.py', 'exec'), namespace)
    return namespace['__version__']


def read_requirements(name: str) -> list:
    """Requirement lines of ``requirements/<name>``, comments dropped."""
    path = osp.join(HERE, 'requirements', name)
    if not osp.exists(path):
        return []
    with open(path, encoding='utf-8') as f:
        lines = [line.split('#', 1)[0].strip() for line in f]
    requirements = []
    for line in lines:
        if line.startswith('-r '):  # an included file, e.g. -r deploy.txt
            requirements += read_requirements(line[3:].strip())
        elif line:
            requirements.append(line)
    return requirements


def read_readme() -> str:
    path = osp.join(HERE, 'README.md')
    if not osp.exists(path):
        return ''
    with open(path, encoding='utf-8') as f:
        return f.read()


def copy_mim_dirs(mim_root: str) -> None:
    """Copy ``configs/`` and ``tools/`` into ``mim_root`` (replacing it)."""
    if osp.islink(mim_root):
        os.remove(mim_root)
    elif osp.isdir(mim_root):
        shutil.rmtree(mim_root)
    os.makedirs(mim_root)
    for name in MIM_DIRS:
        src = osp.join(HERE, name)
        if osp.isdir(src):
            shutil.copytree(src, osp.join(mim_root, name), ignore=MIM_IGNORE)


def link_mim_dirs() -> None:
    """Point ``mmpose_kd/.mim/{configs,tools}`` at the source directories."""
    mim_root = osp.join(HERE, PACKAGE, '.mim')
    os.makedirs(mim_root, exist_ok=True)
    for name in MIM_DIRS:
        src, dst = osp.join(HERE, name), osp.join(mim_root, name)
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if not osp.isdir(src):
            continue
        try:
            os.symlink(
                osp.relpath(src, mim_root), dst, target_is_directory=True)
        except OSError:  # no symlinks (e.g. Windows without privileges)
            shutil.copytree(src, dst, ignore=MIM_IGNORE)


class BuildPyWithMim(build_py):
    """``build_py`` that also puts configs/ and tools/ into ``.mim``."""

    def run(self):
        super().run()
        if getattr(self, 'editable_mode', False):
            link_mim_dirs()
        else:
            copy_mim_dirs(osp.join(self.build_lib, PACKAGE, '.mim'))


class DevelopWithMim(develop):
    """Legacy ``setup.py develop``: link configs/ and tools/ into ``.mim``."""

    def run(self):
        link_mim_dirs()
        super().run()


setup(
    name=PACKAGE,
    version=get_version(),
    description='Knowledge distillation for MMPose (a plugin package)',
    long_description=read_readme(),
    long_description_content_type='text/markdown',
    python_requires='>=3.10',
    packages=find_packages(include=(PACKAGE, PACKAGE + '.*')),
    include_package_data=True,
    # See the module docstring: tools/install_env.sh installs the stack.
    install_requires=[],
    extras_require={
        'deploy': read_requirements('deploy.txt'),
        'tests': read_requirements('tests.txt'),
    },
    cmdclass={
        'build_py': BuildPyWithMim,
        'develop': DevelopWithMim,
    },
    classifiers=[
        'Programming Language :: Python :: 3',
        'Programming Language :: Python :: 3.11',
    ],
    zip_safe=False,
)
