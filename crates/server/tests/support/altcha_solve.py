"""Solves an ALTCHA challenge with PyPI's `altcha` library, an implementation independent of
Twofold's: the challenge JSON (as the `captcha_required` problem carries it) on stdin, the
base64 payload on stdout."""

import json
import sys

from altcha import ChallengeV1, PayloadV1, solve_challenge_v1

served = json.load(sys.stdin)
challenge = ChallengeV1(
    algorithm=served["algorithm"],
    challenge=served["challenge"],
    max_number=served["maxnumber"],
    salt=served["salt"],
    signature=served["signature"],
)
solution = solve_challenge_v1(challenge)
if solution is None:
    sys.exit("no number up to maxnumber solves the challenge")
payload = PayloadV1(
    algorithm=served["algorithm"],
    challenge=served["challenge"],
    number=solution.number,
    salt=served["salt"],
    signature=served["signature"],
)
print(payload.to_base64())
