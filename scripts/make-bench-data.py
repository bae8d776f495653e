#!/usr/bin/env python3
"""Writes import files for benchmarks and soak tests: N uses with their parties, claims and redemptions.

Deterministic (fixed seed): the same N gives the same files. Realistic in shape: quotas of 20万 on the
YRD voucher, some claims rejected or pending, a few applicants whose purchases outgrow their quota
(the quota binds), most uses redeemed, some reductions and rejections, the latest uses still
awaiting. It tracks each quota as the engine would, so that every use pays something and the whole
file imports. Generated files are never committed.

Shapes (the third argument; default yrd):
  yrd       the YRD voucher, 4 uses per applicant, use dates in file order, filed within the month after;
  shanghai  the Shanghai voucher (30万 cap a year, unpaid amounts returned), 3 uses per applicant, use
            dates in no order, half the redeemed uses filed 4 to 7 months after they were used (their
            deadline is 90 days);
  dense     the YRD voucher, 20 small uses per applicant, use dates in file order.

Usage: scripts/make-bench-data.py N OUTPUT_DIR [SHAPE]
"""

import os
import random
import sys

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def credit_code(prefix, number):
    body = prefix + f"{number:09d}"
    total = sum(ALPHABET.index(c) * w for c, w in zip(body, WEIGHTS))
    return body + ALPHABET[(31 - total % 31) % 31]


def yuan(fen):
    return f"{fen // 100}.{fen % 100:02d}"


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    uses_wanted = int(sys.argv[1])
    out = sys.argv[2]
    shape = sys.argv[3] if len(sys.argv) == 4 else "yrd"
    if shape not in ("yrd", "shanghai", "dense"):
        sys.exit(f"unknown shape {shape}: use yrd, shanghai or dense")
    os.makedirs(out, exist_ok=True)
    rng = random.Random(1_000_003)
    programme = "sh-innovation-voucher" if shape == "shanghai" else "yrd-innovation-voucher"
    quota = (300_000 if shape == "shanghai" else 200_000) * 100
    uses_per_applicant = {"yrd": 4, "shanghai": 3, "dense": 20}[shape]

    applicant_count = max(10, uses_wanted // uses_per_applicant)
    applicants = [credit_code("91310110", 10_000_000 + n) for n in range(applicant_count)]
    with open(os.path.join(out, "enterprises.csv"), "w", encoding="utf-8", newline="") as f:
        f.write("id,name,kind,district,region,group\n")
        for n, code in enumerate(applicants):
            group = f"G{n // 40:05d}" if n % 40 < 3 else ""
            f.write(f"{code},基准企业{n:07d}有限公司,enterprise,杨浦区,shanghai,{group}\n")

    regions = ["shanghai", "jiangsu", "zhejiang", "anhui"]
    providers = [(credit_code("91320000", 20_000_000 + n), regions[n % 4]) for n in range(200)]
    with open(os.path.join(out, "providers.csv"), "w", encoding="utf-8", newline="") as f:
        f.write("id,name,region\n")
        for n, (code, region) in enumerate(providers):
            f.write(f"{code},基准服务机构{n:04d},{region}\n")

    categories = ["testing", "analysis", "design", "rd-service", "certification"]
    products = []
    with open(os.path.join(out, "products.csv"), "w", encoding="utf-8", newline="") as f:
        f.write("code,provider_id,name,category,list_price\n")
        for n in range(1000):
            provider = providers[n % len(providers)]
            products.append((f"B{n:05d}", provider[0]))
            f.write(f"B{n:05d},{provider[0]},基准产品{n:05d},{categories[n % 5]},{rng.randrange(5, 90) * 1000}.00\n")

    granted = {}
    with open(os.path.join(out, "claims.csv"), "w", encoding="utf-8", newline="") as f:
        f.write("ref,applicant_id,programme,year,requested,decision,granted,decided_on,claimed_on\n")
        for n, code in enumerate(applicants):
            decision = "rejected" if n % 50 == 7 else "pending" if n % 100 == 13 else "granted"
            amount = yuan(quota) if decision == "granted" else ""
            decided = "2022-01-20" if decision != "pending" else ""
            f.write(f"B-C{n:07d},{code},{programme},2022,{yuan(quota)},{decision},{amount},{decided},2022-01-10\n")
            if decision == "granted":
                granted[n] = quota
    eligible = sorted(granted)

    uses = []
    with open(os.path.join(out, "uses.csv"), "w", encoding="utf-8", newline="") as f:
        f.write("ref,applicant_id,provider_id,product_code,programme,service_amount,used_on,project\n")
        # Days from 1 February: in file order, or (shanghai) in none, to the end of July.
        if shape == "shanghai":
            days = [rng.randrange(0, 180) for _ in range(uses_wanted)]
        else:
            days = sorted(rng.randrange(0, 300) for _ in range(uses_wanted))
        for n in range(uses_wanted):
            # Mostly one use per applicant in turn; every 50th applicant buys big, until its quota binds.
            a = eligible[rng.randrange(len(eligible))] if n % 3 else eligible[n % len(eligible)]
            while granted[a] == 0:
                a = eligible[rng.randrange(len(eligible))]
            service = rng.randrange(2_000, 80_000) * 100
            if shape == "dense":
                service //= 10
            if a % 50 == 1:
                service *= 4
            amount = min(service // 2, granted[a])
            granted[a] -= amount
            product = products[rng.randrange(len(products))]
            day = days[n]
            month, day_of_month = 2 + day // 30, 1 + day % 28
            date = f"2022-{min(month, 11):02d}-{day_of_month:02d}"
            project = f"P{a:07d}" if n % 9 == 0 else ""
            f.write(f"B-U{n:08d},{applicants[a]},{product[1]},{product[0]},{programme},{yuan(service)},{date},{project}\n")
            uses.append((f"B-U{n:08d}", amount, product[1], month))

    provider_number = {code: n for n, (code, _) in enumerate(providers)}
    with open(os.path.join(out, "redemptions.csv"), "w", encoding="utf-8", newline="") as f:
        f.write("ref,use_ref,outcome,amount,paid_on,reason\n")
        for ref, amount, provider, month in uses:
            if month >= 10 or rng.random() > 0.8:
                continue  # still awaiting redemption
            paid_month = min(month + 1, 12)
            if shape == "shanghai" and rng.random() < 0.5:
                paid_month = min(month + rng.randrange(4, 8), 12)  # months after the deadline
            filing = f"B-R{provider_number[provider]:03d}-{paid_month:02d}"
            paid_on = f"2022-{paid_month:02d}-20"
            roll = rng.random()
            if roll < 0.08 and amount > 1_000:
                f.write(f"{filing},{ref},reduced,{yuan(amount - amount // 10)},{paid_on},核减\n")
            elif roll < 0.11:
                f.write(f"{filing},{ref},rejected,,{paid_on},材料不全\n")
            else:
                f.write(f"{filing},{ref},paid,,{paid_on},\n")
    print(f"{out} ({shape}): {applicant_count} applicants, {len(providers)} providers, {len(products)} products, {uses_wanted} uses")


if __name__ == "__main__":
    main()
