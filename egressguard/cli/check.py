"""`egressguard check PATH`: validate a policy, one line per problem."""

from __future__ import annotations

import argparse

from egressguard.errors import PolicyError
from egressguard.policy.loader import load_policy


def check(args: argparse.Namespace) -> int:
    try:
        policy = load_policy(args.path)
    except PolicyError as exc:
        for problem in exc.problems:
            print(problem)
        return 1
    print(
        f"{args.path}: ok — {len(policy.rules)} rules, {len(policy.secrets)} secrets, "
        f"mode {policy.mode.value}, from {len(policy.files)} file(s)"
    )
    return 0
