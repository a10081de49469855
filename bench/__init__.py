"""Tools of the repository, outside the installed package: the benchmark, synthetic corpora,
and the quality evaluations. They import `reformkg` as any user would and run from the
checkout: `python -m bench` (the whole benchmark), `python -m bench.eval_links`, …
"""

from pathlib import Path

#: The repository checkout these tools belong to.
ROOT = Path(__file__).resolve().parent.parent
