# The project's default data: a generated COCO person-keypoint set (see
# mmpose_kd.datasets.SyntheticCocoDataset), written to `data_root` on first use.
# Recipes add their pipelines: train_dataloader.dataset.pipeline etc.
dataset_type = 'mmpose_kd.SyntheticCocoDataset'
data_mode = 'topdown'
data_root = 'data/synthetic_coco/'
# Difficulty chosen so a from-scratch heatmap model learns in CPU minutes:
# at most two people, light clutter and occlusion, larger figures.
synthetic_train = dict(
    num_images=4000,
    seed=0,
    max_people=2,
    clutter=0.2,
    occlusion=0.1,
    person_scale=(0.16, 0.28))
synthetic_val = dict(synthetic_train, num_images=200)

train_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_mode=data_mode,
        split='train',
        generate=synthetic_train))
val_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_mode=data_mode,
        split='val',
        generate=synthetic_val,
        test_mode=True))
test_dataloader = val_dataloader

# COCO AP (OKS, scaled by the annotated silhouette area: a median 0.38 of the
# box, as for COCO's persons) is the headline; PCK@0.1 of the box size is
# reported beside it.
val_evaluator = [
    dict(
        type='CocoMetric',
        ann_file=data_root + 'annotations/person_keypoints_val.json'),
    dict(type='PCKAccuracy', thr=0.1, norm_item='bbox'),
]
test_evaluator = val_evaluator
