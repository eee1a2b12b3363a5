#!/usr/bin/env python3
"""SigV4 signing speed: slmstack's Swift signer against botocore's SigV4Auth, same request, same run.

Builds the release binary with `make build` (the static one the other benchmarks time), times
`slmstack debug bench-sign` (in-process loop, cached signing key, the clock read per signature)
and botocore's `SigV4Auth.add_auth` on the same CloudFormation request with timeit, checks that both sign that request identically at a fixed time, writes
bench/results/sigv4.json and prints one summary line.

Reproduce:  python3 bench/sigv4.py [--iterations N] [--repeat R]
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import timeit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, '.build', 'release', 'slmstack')
RESULT = os.path.join(ROOT, 'bench', 'results', 'sigv4.json')

# Must match DebugBenchSignCommand.request / .credentials in Sources/SLMStackCLI/Commands.
URL = 'https://cloudformation.us-east-1.amazonaws.com/'
HEADERS = {'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8'}
BODY = b'Action=DescribeStacks&StackName=slmstack-demo&Version=2010-05-15'
ACCESS_KEY, SECRET_KEY = 'AKIDEXAMPLE', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'
CHECK_TIME = datetime.datetime(2026, 1, 1, 0, 0, 0)


def swift(iterations: int, repeat: int) -> dict:
    runs = []
    for _ in range(repeat):
        out = subprocess.run([BIN, 'debug', 'bench-sign', '--iterations', str(iterations)],
                             check=True, capture_output=True, text=True).stdout
        runs.append(json.loads(out))
    best = min(runs, key=lambda r: r['ns_per_op'])
    best['runs_ns_per_op'] = [r['ns_per_op'] for r in runs]
    return best


def botocore_side(iterations: int, repeat: int) -> dict:
    import botocore
    import botocore.auth as bauth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    def request():
        return AWSRequest(method='POST', url=URL, headers=dict(HEADERS), data=BODY)

    signer = bauth.SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), 'cloudformation', 'us-east-1')
    # Same request, same signature at a fixed time (botocore's clock frozen as oracle.py does).
    original = bauth.get_current_datetime
    bauth.get_current_datetime = lambda remove_tzinfo=True: CHECK_TIME if remove_tzinfo else CHECK_TIME.replace(tzinfo=datetime.timezone.utc)
    try:
        fixed = request()
        signer.add_auth(fixed)
        check = fixed.headers['Authorization'].rsplit('Signature=', 1)[1]
    finally:
        bauth.get_current_datetime = original

    req = request()
    signer.add_auth(req)  # warm up
    times = timeit.repeat(lambda: signer.add_auth(req), number=iterations, repeat=repeat)
    per_op_ns = min(times) / iterations * 1e9
    return {'version': botocore.__version__, 'iterations': iterations, 'ns_per_op': round(per_op_ns, 1),
            'runs_ns_per_op': [round(t / iterations * 1e9, 1) for t in times],
            'signatures_per_second': round(1e9 / per_op_ns), 'signature_at_20260101T000000Z': check}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--iterations', type=int, default=200_000, help='Swift signatures per run (botocore does 1/20 of it)')
    parser.add_argument('--repeat', type=int, default=3)
    args = parser.parse_args()

    # `make build`, not a bare `swift build -c release`: the Makefile's flags (--static-swift-stdlib)
    # differ, and a bare build would relink .build/release/slmstack dynamically under the benchmarks
    # that run after this one (cost, deploy), changing their start-up time and RSS.
    subprocess.run(['make', '--no-print-directory', 'build'], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    ours = swift(args.iterations, args.repeat)
    theirs = botocore_side(max(1000, args.iterations // 20), args.repeat)
    same = ours['signature_at_20260101T000000Z'] == theirs['signature_at_20260101T000000Z']
    ratio = theirs['ns_per_op'] / ours['ns_per_op']
    result = {
        'benchmark': 'sigv4-sign-cloudformation-describestacks',
        'request': {'method': 'POST', 'url': URL, 'headers': HEADERS, 'body_bytes': len(BODY)},
        'slmstack': ours, 'botocore': theirs, 'same_signature': same,
        'speedup_vs_botocore': round(ratio, 1),
        'machine': {'python': platform.python_version(), 'platform': platform.platform(), 'cpus': os.cpu_count(),
                    'loadavg_1m': round(os.getloadavg()[0], 2)},
        'reproduce': 'python3 bench/sigv4.py' + (f' --iterations {args.iterations}' if args.iterations != 200_000 else ''),
    }
    os.makedirs(os.path.dirname(RESULT), exist_ok=True)
    with open(RESULT, 'w') as f:
        json.dump(result, f, indent=2, sort_keys=True)
        f.write('\n')
    print(f"sigv4: slmstack {ours['ns_per_op'] / 1000:.2f} us/signature ({ours['signatures_per_second']:,}/s), "
          f"botocore {theirs['ns_per_op'] / 1000:.1f} us ({theirs['signatures_per_second']:,}/s): "
          f"{ratio:.1f}x faster; same signature: {'yes' if same else 'NO'}; "
          f"load {result['machine']['loadavg_1m']}; reproduce: {result['reproduce']} -> {os.path.relpath(RESULT, ROOT)}")
    return 0 if same else 1


if __name__ == '__main__':
    sys.exit(main())
