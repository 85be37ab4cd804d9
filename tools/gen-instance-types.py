#!/usr/bin/env python3
"""gen-instance-types.py — generate jobs/instance_types.def, the ml.* instance
type table the scheduler (jobs/capacity.c) sizes training jobs with.

The data below is written by hand from AWS's instance pages:

  * https://aws.amazon.com/sagemaker/pricing/ (the ml.* types, vCPU, memory)
  * https://aws.amazon.com/ec2/instance-types/ and the EC2 User Guide's
    "Amazon EC2 instance type specifications" pages (general purpose,
    compute optimized, memory optimized, accelerated computing), which list
    vCPUs, memory (GiB) and GPUs per size.  An ml.X type has the shape of
    the EC2 type X.

Most families have one memory-per-vCPU ratio and the standard size ladder
(large = 2 vCPUs, xlarge = 4, Nxlarge = 4N); they are written as FAMILIES.
Families that break the pattern (older generations, every GPU family) are
written row by row in ROWS.  Rows marked approx in a comment are recent
families whose published numbers were not at hand when this was written:
vCPUs follow the size name, memory is the family's usual ratio; correct them
when AWS's page says otherwise.  GPUs count NVIDIA GPUs only (Trainium and
Inferentia accelerators are 0: CUDA_VISIBLE_DEVICES has nothing to say
about them).

Usage (from the repository root):

    .venv/bin/python tools/gen-instance-types.py > jobs/instance_types.def
    .venv/bin/python tools/gen-instance-types.py --check   # vs botocore's enum

--check lists the TrainingInstanceType values of the installed botocore
that the table lacks (those fall back to 2 vCPUs, 4 GiB, no GPU).  The
output is committed; rerun after editing the data.
"""
import sys

# size name -> vCPUs on the standard ladder
LADDER = {
    "medium": 2, "large": 2, "xlarge": 4, "2xlarge": 8, "4xlarge": 16,
    "8xlarge": 32, "9xlarge": 36, "12xlarge": 48, "16xlarge": 64,
    "18xlarge": 72, "24xlarge": 96, "32xlarge": 128, "48xlarge": 192,
    "96xlarge": 384,
}

STD = ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge",
       "16xlarge", "24xlarge"]

# family -> (GiB per vCPU, sizes)
FAMILIES = {
    # general purpose: 4 GiB per vCPU
    "m5": (4, ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge",
               "12xlarge", "16xlarge", "24xlarge"]),
    "m5d": (4, ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge",
                "12xlarge", "16xlarge", "24xlarge"]),
    "m6i": (4, STD + ["32xlarge"]),
    "m7i": (4, STD + ["48xlarge"]),
    "m8i": (4, STD + ["32xlarge", "48xlarge", "96xlarge"]),
    "m7i-flex": (4, ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge",
                     "12xlarge", "16xlarge"]),
    "m8i-flex": (4, ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge",
                     "12xlarge", "16xlarge"]),
    # compute optimized: 2 GiB per vCPU
    "c5": (2, ["large", "xlarge", "2xlarge", "4xlarge", "9xlarge",
               "12xlarge", "18xlarge", "24xlarge"]),
    "c6i": (2, STD + ["32xlarge"]),
    "c7i": (2, STD + ["48xlarge"]),
    "c8i": (2, STD + ["32xlarge", "48xlarge", "96xlarge"]),
    "c7i-flex": (2, ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge",
                     "12xlarge", "16xlarge"]),
    "c8i-flex": (2, ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge",
                     "12xlarge", "16xlarge"]),
    # memory optimized: 8 GiB per vCPU
    "r5": (8, STD),
    "r5d": (8, STD),
    "r6i": (8, STD + ["32xlarge"]),
    "r7i": (8, STD + ["48xlarge"]),
    "r8i": (8, STD + ["32xlarge", "48xlarge", "96xlarge"]),
    "r8i-flex": (8, ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge",
                     "12xlarge", "16xlarge"]),
}

# (type without "ml.", vCPUs, memory GiB, NVIDIA GPUs)
ROWS = [
    # burstable (t2 is a notebook type; training takes t3)
    ("t2.medium", 2, 4, 0), ("t2.large", 2, 8, 0), ("t2.xlarge", 4, 16, 0),
    ("t2.2xlarge", 8, 32, 0),
    ("t3.medium", 2, 4, 0), ("t3.large", 2, 8, 0), ("t3.xlarge", 4, 16, 0),
    ("t3.2xlarge", 8, 32, 0),
    # m4
    ("m4.xlarge", 4, 16, 0), ("m4.2xlarge", 8, 32, 0), ("m4.4xlarge", 16, 64, 0),
    ("m4.10xlarge", 40, 160, 0), ("m4.16xlarge", 64, 256, 0),
    # c4
    ("c4.xlarge", 4, 7.5, 0), ("c4.2xlarge", 8, 15, 0), ("c4.4xlarge", 16, 30, 0),
    ("c4.8xlarge", 36, 60, 0),
    # c5n
    ("c5n.large", 2, 5.25, 0), ("c5n.xlarge", 4, 10.5, 0), ("c5n.2xlarge", 8, 21, 0),
    ("c5n.4xlarge", 16, 42, 0), ("c5n.9xlarge", 36, 96, 0), ("c5n.18xlarge", 72, 192, 0),
    # p2: NVIDIA K80
    ("p2.xlarge", 4, 61, 1), ("p2.8xlarge", 32, 488, 8), ("p2.16xlarge", 64, 732, 16),
    # p3: NVIDIA V100
    ("p3.2xlarge", 8, 61, 1), ("p3.8xlarge", 32, 244, 4), ("p3.16xlarge", 64, 488, 8),
    ("p3dn.24xlarge", 96, 768, 8),
    # p4d / p4de: NVIDIA A100
    ("p4d.24xlarge", 96, 1152, 8), ("p4de.24xlarge", 96, 1152, 8),
    # p5 / p5e / p5en: NVIDIA H100 / H200
    ("p5.4xlarge", 16, 256, 1), ("p5.48xlarge", 192, 2048, 8),
    ("p5e.48xlarge", 192, 2048, 8), ("p5en.48xlarge", 192, 2048, 8),
    # p6: NVIDIA Blackwell
    ("p6-b200.48xlarge", 192, 2048, 8),
    ("p6-b300.48xlarge", 192, 4096, 8),          # approx
    ("p6e-gb200.36xlarge", 144, 960, 4),         # approx
    # g4dn: NVIDIA T4
    ("g4dn.xlarge", 4, 16, 1), ("g4dn.2xlarge", 8, 32, 1), ("g4dn.4xlarge", 16, 64, 1),
    ("g4dn.8xlarge", 32, 128, 1), ("g4dn.12xlarge", 48, 192, 4), ("g4dn.16xlarge", 64, 256, 1),
    # g5: NVIDIA A10G
    ("g5.xlarge", 4, 16, 1), ("g5.2xlarge", 8, 32, 1), ("g5.4xlarge", 16, 64, 1),
    ("g5.8xlarge", 32, 128, 1), ("g5.12xlarge", 48, 192, 4), ("g5.16xlarge", 64, 256, 1),
    ("g5.24xlarge", 96, 384, 4), ("g5.48xlarge", 192, 768, 8),
    # g6: NVIDIA L4
    ("g6.xlarge", 4, 16, 1), ("g6.2xlarge", 8, 32, 1), ("g6.4xlarge", 16, 64, 1),
    ("g6.8xlarge", 32, 128, 1), ("g6.12xlarge", 48, 192, 4), ("g6.16xlarge", 64, 256, 1),
    ("g6.24xlarge", 96, 384, 4), ("g6.48xlarge", 192, 768, 8),
    # g6e: NVIDIA L40S
    ("g6e.xlarge", 4, 32, 1), ("g6e.2xlarge", 8, 64, 1), ("g6e.4xlarge", 16, 128, 1),
    ("g6e.8xlarge", 32, 256, 1), ("g6e.12xlarge", 48, 384, 4), ("g6e.16xlarge", 64, 512, 1),
    ("g6e.24xlarge", 96, 768, 4), ("g6e.48xlarge", 192, 1536, 8),
    # g7e: NVIDIA RTX PRO 6000 Blackwell (approx)
    ("g7e.2xlarge", 8, 64, 1), ("g7e.4xlarge", 16, 128, 1), ("g7e.8xlarge", 32, 256, 1),
    ("g7e.12xlarge", 48, 512, 2), ("g7e.24xlarge", 96, 1024, 4), ("g7e.48xlarge", 192, 2048, 8),
    # g7: NVIDIA RTX PRO 4500 Blackwell (approx)
    ("g7.2xlarge", 8, 32, 1), ("g7.4xlarge", 16, 64, 1), ("g7.8xlarge", 32, 128, 1),
    ("g7.12xlarge", 48, 192, 2), ("g7.24xlarge", 96, 384, 4), ("g7.48xlarge", 192, 768, 8),
    # Trainium: no CUDA GPUs
    ("trn1.2xlarge", 8, 32, 0), ("trn1.32xlarge", 128, 512, 0),
    ("trn1n.32xlarge", 128, 512, 0), ("trn2.48xlarge", 192, 2048, 0),
]


def table():
    rows = {}
    for fam, (ratio, sizes) in FAMILIES.items():
        for s in sizes:
            v = LADDER[s]
            rows["ml.%s.%s" % (fam, s)] = (v, v * ratio, 0)
    for name, v, mem, g in ROWS:
        key = "ml." + name
        if key in rows:
            raise SystemExit("duplicate row " + key)
        rows[key] = (v, mem, g)
    return dict(sorted(rows.items()))


def fmt_mem(m):
    return ("%g" % m) if m != int(m) else "%d" % m


def emit(rows):
    out = sys.stdout
    out.write("/* instance_types.def — ml.* instance types, GENERATED: do not edit.\n"
              " *\n"
              " * Generated by tools/gen-instance-types.py (data and sources there):\n"
              " *     .venv/bin/python tools/gen-instance-types.py > jobs/instance_types.def\n"
              " * %d types, sorted by name (capacity.c searches them with bsearch).\n"
              " * IT(name, vCPUs, memory GiB, NVIDIA GPUs) */\n" % len(rows))
    for name, (v, mem, g) in rows.items():
        out.write('IT("%s", %d, %s, %d)\n' % (name, v, fmt_mem(mem), g))


def check(rows):
    import gzip
    import json
    import os

    import botocore
    base = os.path.join(os.path.dirname(botocore.__file__), "data", "sagemaker")
    ver = sorted(os.listdir(base))[-1]
    path = os.path.join(base, ver, "service-2.json")
    opener = open
    if not os.path.exists(path):
        path += ".gz"
        opener = gzip.open
    with opener(path, "rt") as f:
        enum = json.load(f)["shapes"]["TrainingInstanceType"]["enum"]
    missing = [t for t in enum if t not in rows]
    print("botocore %s: %d TrainingInstanceType values, %d in the table, %d missing"
          % (botocore.__version__, len(enum), len(enum) - len(missing), len(missing)))
    for t in missing:
        print("  missing: " + t)
    return 1 if missing else 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--check":
        sys.exit(check(table()))
    emit(table())
