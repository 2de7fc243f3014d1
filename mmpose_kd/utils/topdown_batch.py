"""Pack one image's person boxes into a top-down batch, as MMPose's
``inference_topdown`` does, for code that runs the network itself."""
from typing import Optional, Sequence, Union

import numpy as np


def topdown_batch(pipeline_cfg: Sequence[dict], dataset_meta: dict,
                  img: Union[str, np.ndarray],
                  bboxes: Optional[np.ndarray] = None) -> dict:
    """The collated batch of ``img`` cropped at each ``(x1, y1, x2, y2)`` box
    (the whole image when None) by the test pipeline ``pipeline_cfg``."""
    from mmengine.dataset import Compose, pseudo_collate
    if bboxes is None:
        if isinstance(img, str):
            from mmcv import imread
            height, width = imread(img).shape[:2]
        else:
            height, width = img.shape[:2]
        bboxes = np.array([[0, 0, width, height]], dtype=np.float32)
    pipeline = Compose(pipeline_cfg)
    data_list = []
    for bbox in np.asarray(bboxes, dtype=np.float32).reshape(-1, 4):
        info = dict(img_path=img) if isinstance(img, str) else dict(img=img)
        info['bbox'] = bbox[None]
        info['bbox_score'] = np.ones(1, dtype=np.float32)
        info.update(dataset_meta)
        data_list.append(pipeline(info))
    return pseudo_collate(data_list)
