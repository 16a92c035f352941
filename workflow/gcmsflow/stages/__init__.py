"""One runner per workflow stage: read the stage's inputs, call the algorithm, write its outputs.

``gcmsflow <stage>`` (cli.py) parses arguments and calls ``run_<stage>``; a Snakemake rule runs that
command. Runners take paths and settings dataclasses and write every output atomically.
"""
