"""The cache's files: memory-mapped arrays checked against the manifest."""
import os
import os.path as osp

import numpy as np
import pytest

from mmpose_kd.cache.store import (FORMAT, FORMAT_VERSION, MANIFEST,
                                   TeacherCache, TeacherCacheFileError,
                                   array_specs, read_manifest)


def make_cache(root, heatmaps=True, complete=True):
    manifest = dict(format=FORMAT, version=FORMAT_VERSION, cache_id='x',
                    num_views=2, num_instances=3,
                    arrays=array_specs(3, 2, 17, (6, 8), heatmaps))
    cache = TeacherCache.create(str(root), manifest)
    cache.arrays['keypoints'][1, 1] = 4.5
    cache.arrays['done'][:] = 1
    if complete:
        cache.mark_complete()
    return cache


def test_arrays_round_trip_memory_mapped(tmp_path):
    make_cache(tmp_path)
    cache = TeacherCache.open(str(tmp_path))
    assert cache.has_heatmaps
    assert isinstance(cache.arrays['keypoints'], np.memmap)
    assert cache.arrays['heatmaps'].shape == (3, 2, 17, 8, 6)
    assert cache.arrays['heatmaps'].dtype == np.float16
    assert cache.arrays['keypoints'][1, 1, 0].tolist() == [4.5, 4.5]
    assert cache.arrays['keypoints'][0, 1, 0].tolist() == [0, 0]
    assert cache.size_bytes() > 3 * 2 * 17 * 8 * 6 * 2


def test_without_heatmaps_there_is_no_heatmap_file(tmp_path):
    make_cache(tmp_path, heatmaps=False)
    assert not TeacherCache.open(str(tmp_path)).has_heatmaps
    assert not osp.exists(tmp_path / 'heatmaps.npy')


def test_missing_array_file_is_named(tmp_path):
    make_cache(tmp_path)
    os.remove(tmp_path / 'scores.npy')
    with pytest.raises(FileNotFoundError, match=r'scores\.npy.*missing'):
        TeacherCache.open(str(tmp_path))


def test_truncated_array_file_is_named(tmp_path):
    make_cache(tmp_path)
    path = tmp_path / 'heatmaps.npy'
    with open(path, 'r+b') as f:
        f.truncate(os.path.getsize(path) // 2)
    with pytest.raises(TeacherCacheFileError,
                       match=r'heatmaps\.npy.*truncated'):
        TeacherCache.open(str(tmp_path))


def test_array_of_another_shape_is_named(tmp_path):
    make_cache(tmp_path)
    np.save(tmp_path / 'scores.npy', np.zeros((3, 2, 16), np.float32))
    with pytest.raises(TeacherCacheFileError,
                       match=r'scores\.npy.*shape \[3, 2, 16\].*\[3, 2, 17\]'):
        TeacherCache.open(str(tmp_path))


def test_missing_manifest_says_how_to_build(tmp_path):
    with pytest.raises(FileNotFoundError,
                       match=r'manifest\.json.*build_teacher_cache'):
        read_manifest(str(tmp_path))
    (tmp_path / MANIFEST).write_text('{"format": "other"}')
    with pytest.raises(TeacherCacheFileError, match='not a version-1'):
        read_manifest(str(tmp_path))


def test_incomplete_cache_is_refused_with_the_resume_command(tmp_path):
    make_cache(tmp_path, complete=False)
    with pytest.raises(TeacherCacheFileError,
                       match=r'incomplete: 6 of 6 views.*--resume'):
        TeacherCache.open(str(tmp_path))
    assert TeacherCache.open(str(tmp_path), require_complete=False)
