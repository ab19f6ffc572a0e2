"""Style augmentation of whole datasets (Geirhos et al. 2019, "ImageNet-trained CNNs are biased
towards texture", built Stylized-ImageNet this way): repaint every image of a labelled folder
in styles drawn from a seed, on this machine or on a Ray cluster, resumably.

    from painterly.augment import augment
    summary = augment("data/train", "data/train-painted", styles="oil,watercolor", per_image=2)
"""

from painterly.augment.engines import ENGINES
from painterly.augment.manifest import FIELDS, read_rows
from painterly.augment.plan import AugmentConfig, Job, parse_strength, plan_jobs
from painterly.augment.run import Summary, augment

__all__ = ["ENGINES", "FIELDS", "AugmentConfig", "Job", "Summary", "augment", "parse_strength",
           "plan_jobs", "read_rows"]
