"""A distiller's two parts, below ``models/`` and ``cache/``.

What both the distiller (:mod:`mmpose_kd.models`) and the teacher-cache
builder (:mod:`mmpose_kd.cache`) need of a student or teacher: resolving its
config (:mod:`.model_config`), checking that a pair fits together
(:mod:`.model_pair`), and loading, freezing and running the teacher
(:mod:`.teacher`). Nothing here imports either of them.
"""
