"""``tools/build_teacher_cache.py``: run a teacher once over K augmented
views of the training set and store its targets for teacher-free training
(see :func:`mmpose_kd.cache.build_teacher_cache`, docs/teacher_cache.md)."""
import argparse
import time
from typing import Optional, Sequence

from mmengine.config import Config, DictAction

from mmpose_kd.cache import (TeacherCacheFileError, TeacherCacheMismatchError,
                             build_teacher_cache)
from mmpose_kd.utils.checkpoint import CheckpointLoadError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description='Build a teacher cache: K augmented views per training '
        'instance, drawn by the config\'s own random transforms, with the '
        'teacher\'s decoded keypoints and scores (and optionally heatmaps).')
    parser.add_argument(
        'config', help='a live distiller config (its teacher and training '
        'data), or the teacher\'s own config')
    parser.add_argument('--views', type=int, required=True,
                        help='views per instance, K')
    parser.add_argument('--out', required=True, help='the cache directory')
    parser.add_argument(
        '--teacher-ckpt',
        help="teacher checkpoint; defaults to the config's teacher_ckpt")
    parser.add_argument(
        '--heatmaps', action='store_true',
        help='also store the heatmaps (float16): needed by the '
        'rendered-heatmap and heatmap-logit losses, not by CoordDistillLoss')
    parser.add_argument('--resume', action='store_true',
                        help='continue an interrupted build in --out')
    parser.add_argument('--batch-size', type=int, default=32,
                        help='crops per teacher forward (default 32)')
    parser.add_argument('--num-workers', type=int, default=0,
                        help='data loading processes (default 0)')
    parser.add_argument('--seed', type=int, default=0,
                        help='base seed of the views (default 0)')
    parser.add_argument(
        '--allow-transform', action='append', default=[], metavar='TYPE',
        help='accept this pipeline transform although the cache cannot '
        'replay it (repeatable)')
    parser.add_argument(
        '--max-instances', type=int,
        help='cache only the first N instances (measurements; training '
        'needs them all)')
    parser.add_argument('--device', default='cpu',
                        help='where the teacher runs (cpu, cuda, cuda:1)')
    parser.add_argument(
        '--allow-unsafe', action='store_true',
        help='fully unpickle the teacher checkpoint (only files you trust)')
    parser.add_argument('--no-progress', action='store_true',
                        help='no progress bar')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys with key=value pairs')
    return parser


def main(argv: Optional[Sequence[str]] = None):
    """Command line; a bad input exits with status 1 and its message."""
    parser = build_parser()
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        cfg = Config.fromfile(args.config)
        if args.cfg_options:
            cfg.merge_from_dict(args.cfg_options)
        cache = build_teacher_cache(
            cfg, args.out, args.views, teacher_ckpt=args.teacher_ckpt,
            heatmaps=args.heatmaps, resume=args.resume,
            batch_size=args.batch_size, num_workers=args.num_workers,
            seed=args.seed, allow_transforms=args.allow_transform,
            max_instances=args.max_instances, device=args.device,
            allow_unsafe=args.allow_unsafe, progress=not args.no_progress)
    except (FileNotFoundError, FileExistsError, ValueError,
            TeacherCacheFileError, TeacherCacheMismatchError,
            CheckpointLoadError) as error:
        parser.exit(1, f'{parser.prog}: error: {error}\n')
    seconds = time.perf_counter() - start
    print(f'\nteacher cache {args.out}: {cache.num_instances} instances x '
          f'{cache.num_views} views, {cache.size_bytes() / 2**20:.1f} MiB'
          f'{" with heatmaps" if cache.has_heatmaps else ""}, '
          f'{seconds:.1f} s (id {cache.cache_id})')
    return cache
