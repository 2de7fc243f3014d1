"""A CheckpointHook whose crash during a save never costs the last good one.

MMEngine's ``CheckpointHook`` (0.10) deletes the outdated checkpoint *before*
writing the new one, writes the new file in place and then rewrites
``last_checkpoint`` in place. With ``max_keep_ckpts=1`` a crash (power loss,
pre-emption, full disk) in the middle of a save leaves no usable checkpoint,
and a crash while the marker is rewritten leaves an empty marker, so
``--resume`` silently starts from scratch.

``SafeCheckpointHook`` keeps every other behaviour of ``CheckpointHook`` and
reorders a save for local work dirs: write ``<name>.tmp``, ``os.replace`` it
onto ``<name>`` (atomic on POSIX and Windows), replace ``last_checkpoint``
the same way, and only then delete checkpoints beyond ``max_keep_ckpts``.
"""
import os
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.fileio.backends import LocalBackend
from mmengine.hooks import CheckpointHook

from mmpose_kd.registry import HOOKS


def replace_text_atomically(path: str, text: str) -> None:
    tmp_path = path + '.tmp'
    with open(tmp_path, 'w') as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp_path, path)


@HOOKS.register_module()
class SafeCheckpointHook(CheckpointHook):
    """``CheckpointHook`` with crash-safe saves (see the module doc).

    Takes exactly ``CheckpointHook``'s arguments. Remote backends (where
    rename is not atomic) fall back to ``CheckpointHook``'s own order.
    """

    def _save_checkpoint_with_step(self, runner, step, meta):
        if not isinstance(self.file_backend, LocalBackend):
            return super()._save_checkpoint_with_step(runner, step, meta)
        outdated = []
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and
                                            self.keep_ckpt_ids[-1] == step):
            # the deque has maxlen=max_keep_ckpts: make room explicitly
            while len(self.keep_ckpt_ids) >= self.max_keep_ckpts:
                outdated.append(self.keep_ckpt_ids.popleft())
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids',
                                           list(self.keep_ckpt_ids))

        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir,
                                                     ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir,
            ckpt_filename + '.tmp',
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args)
        if not is_main_process():
            return
        os.replace(self.last_ckpt + '.tmp', self.last_ckpt)
        replace_text_atomically(
            osp.join(runner.work_dir, 'last_checkpoint'), self.last_ckpt)
        for old_step in outdated:
            old_path = self.file_backend.join_path(
                self.out_dir, self.filename_tmpl.format(old_step))
            if self.file_backend.isfile(old_path):
                self.file_backend.remove(old_path)
