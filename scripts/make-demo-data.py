#!/usr/bin/env python3
"""Writes the demo's import files: the seed's two published voucher figures, as data.

The seed (杨科两会〔2023〕21号, section 6) publishes:
  - Shanghai S&T innovation voucher, 2022: 5 enterprises used it 7 times, service amount 68.9万元,
    subsidy 29万元;
  - YRD double-innovation voucher, cumulative: 118 enterprises claimed 2360万元, 54 providers,
    205 products, used 441.3万元, redeemed 256.48万元.

This script invents parties, quotas, purchases and redemptions with those totals. It never writes
a subsidy: `voucher demo` imports these files and the engine computes every voucher amount, with
quotas binding where a purchase is worth more than what is left. Deterministic (fixed seed), so
the committed files are exactly its output; a test checks that.

Usage: scripts/make-demo-data.py [OUTPUT_DIR]   (default: Sources/VoucherCLI/Demo)
"""

import os
import random
import sys

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def credit_code(prefix, number):
    """An 18-character Unified Social Credit Code with a correct check character (GB 32100-2015)."""
    body = prefix + f"{number:09d}"
    assert len(body) == 17
    total = sum(ALPHABET.index(c) * w for c, w in zip(body, WEIGHTS))
    return body + ALPHABET[(31 - total % 31) % 31]


def yuan(fen):
    return f"{fen // 100}.{fen % 100:02d}"


def write(directory, name, header, rows, bom=False, crlf=True):
    newline = "\r\n" if crlf else "\n"
    lines = [",".join(header)] + [",".join(quote(str(v)) for v in row) for row in rows]
    text = newline.join(lines) + newline
    with open(os.path.join(directory, name), "wb") as f:
        f.write((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))


def quote(value):
    return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\r\n') else value


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join("Sources", "VoucherCLI", "Demo")
    os.makedirs(out, exist_ok=True)
    rng = random.Random(20230421)

    # Enterprises: 118 in Yangpu; the first five also used the Shanghai voucher in 2022.
    words = ["智芯", "复旦", "同济", "创智", "长阳", "五角场", "江湾", "新江湾", "大创", "云图", "量子", "医工",
             "类脑", "数智", "绿能", "海聚", "睿联", "星河", "博衍", "知行"]
    trades = ["科技", "信息技术", "生物科技", "智能装备", "新材料", "医疗器械", "软件", "环境科技"]
    enterprises = []
    for n in range(1, 119):
        name = f"上海{words[n % len(words)]}{trades[n % len(trades)]}有限公司（演示{n:03d}）"
        group = "杨浦集团A" if n in (7, 8) else ""
        enterprises.append((credit_code("91310110", 5_000_000 + n), name, "enterprise", "杨浦区", "shanghai", group))
    write(out, "enterprises.csv", ["id", "name", "kind", "district", "region", "group"], enterprises, bom=True)

    # Providers: 54 across the alliance's four regions.
    regions = [("shanghai", "12310000", 24), ("jiangsu", "91320000", 12), ("zhejiang", "91330000", 11),
               ("anhui", "91340000", 7)]
    region_names = {"shanghai": "上海", "jiangsu": "江苏", "zhejiang": "浙江", "anhui": "安徽"}
    kinds = ["分析测试中心", "检验检测研究院", "工业设计中心", "技术转移中心", "计量测试所", "知识产权服务中心"]
    providers = []
    for region, prefix, count in regions:
        for i in range(count):
            number = len(providers) + 1
            providers.append((credit_code(prefix, 7_000_000 + number),
                              f"{region_names[region]}{kinds[number % len(kinds)]}{number:02d}（演示）", region))
    write(out, "providers.csv", ["id", "name", "region"], providers)

    # Products: 205, three or four per provider.
    categories = ["testing", "analysis", "design", "rd-service", "certification", "consulting"]
    # A product's name in Chinese, as a provider writes it (the category stays its key).
    category_names = {"testing": "检测", "analysis": "分析", "design": "设计", "rd-service": "研发",
                      "certification": "认证", "consulting": "咨询"}
    products = []
    for index, provider in enumerate(providers):
        for k in range(4 if index < 43 else 3):
            code = f"P{len(products) + 1:03d}"
            category = categories[(index + k) % len(categories)]
            price = rng.randrange(8, 120) * 1000 * 100
            products.append((code, provider[0], f"{category_names[category]}服务{len(products) + 1:03d}", category,
                             yuan(price)))
    assert len(products) == 205
    write(out, "products.csv", ["code", "provider_id", "name", "category", "list_price"], products)

    claims = []
    uses = []
    redemptions = []

    # --- Shanghai S&T innovation voucher, 2022: quotas chosen so that some bind. ---
    sh_quota = [100_000, 60_000, 50_000, 40_000, 40_000]
    for i, quota in enumerate(sh_quota):
        claims.append((f"SH22-C{i + 1:02d}", enterprises[i][0], "sh-innovation-voucher", 2022, yuan(quota * 100),
                       "granted", yuan(quota * 100), "2022-03-15", "2022-03-01"))
    sh_lab = providers[0]
    sh_products = [p for p in products if p[1] == sh_lab[0]]
    # (enterprise, service amount in yuan, date): 68.9万元 of services in all.
    sh_uses = [(0, 150_000, "2022-04-12"), (0, 100_000, "2022-06-20"), (1, 120_000, "2022-05-09"),
               (2, 80_000, "2022-05-23"), (2, 39_000, "2022-09-14"), (3, 100_000, "2022-07-04"),
               (4, 100_000, "2022-08-30")]
    assert sum(u[1] for u in sh_uses) == 689_000
    for n, (e, service, date) in enumerate(sh_uses, start=1):
        uses.append((f"SH22-U{n:02d}", enterprises[e][0], sh_lab[0], sh_products[n % len(sh_products)][0],
                     "sh-innovation-voucher", yuan(service * 100), date, ""))
        # Paid a month after the use; the last is filed after its 90-day deadline, an exception to review.
        month, day = int(date[5:7]), int(date[8:10])
        paid_on = "2022-12-20" if n == 7 else f"2022-{month + 1:02d}-{min(day, 28):02d}"
        redemptions.append((f"SH22-R{n:02d}", f"SH22-U{n:02d}", "paid", "", paid_on, ""))

    # --- YRD double-innovation voucher: 118 quotas of 20万; used 441.3万; redeemed 256.48万. ---
    quota = 200_000
    for i, enterprise in enumerate(enterprises):
        claims.append((f"YRD22-C{i + 1:03d}", enterprise[0], "yrd-innovation-voucher", 2022, yuan(quota * 100),
                       "granted", yuan(quota * 100), "2022-01-20", "2022-01-10"))

    target_used = 4_413_000
    # 230 uses: every product and every enterprise at least once.
    product_order = list(range(205)) + [rng.randrange(205) for _ in range(25)]
    enterprise_order = list(range(118)) + [rng.randrange(118) for _ in range(112)]
    rng.shuffle(enterprise_order)
    # Three enterprises spend their whole quota: their last purchase is worth more than what is left.
    exhausted = {enterprise_order[0], enterprise_order[1], enterprise_order[2]}
    subsidies = [rng.randrange(4_000, 30_000) for _ in range(230)]
    # Scale to the target in whole yuan, then correct the rounding on the first uses.
    scale = target_used / sum(subsidies)
    subsidies = [max(1_000, int(s * scale)) for s in subsidies]
    subsidies[0] += target_used - sum(subsidies)
    used_by = {}
    plan = []
    for n in range(230):
        e = enterprise_order[n]
        left = quota - used_by.get(e, 0)
        amount = min(subsidies[n], left)
        plan.append([e, amount])
        used_by[e] = used_by.get(e, 0) + amount
    # Whatever a quota cut off goes to enterprises with room, keeping the total exact.
    shortfall = target_used - sum(a for _, a in plan)
    for row in plan:
        if shortfall <= 0:
            break
        room = quota - used_by[row[0]]
        extra = min(room, shortfall)
        row[1] += extra
        used_by[row[0]] += extra
        shortfall -= extra
    assert sum(a for _, a in plan) == target_used
    # Make the exhausted enterprises' last use overshoot: service worth more than twice what is left.
    last_index = {}
    for n, (e, _) in enumerate(plan):
        last_index[e] = n
    top_up = []
    for e in sorted(exhausted):
        room = quota - used_by[e]
        if room > 0:
            n = last_index[e]
            plan[n][1] += room
            used_by[e] += room
            top_up.append((n, room))
    # Take the same amount back from other enterprises' uses to keep the total.
    excess = sum(room for _, room in top_up)
    for row in plan:
        if excess <= 0:
            break
        if row[0] in exhausted or row[1] <= 2_000:
            continue
        cut = min(excess, row[1] - 1_000)
        row[1] -= cut
        used_by[row[0]] -= cut
        excess -= cut
    assert sum(a for _, a in plan) == target_used
    assert all(v <= quota for v in used_by.values())

    dates = sorted(f"2022-{rng.randrange(2, 12):02d}-{rng.randrange(1, 29):02d}" for _ in range(230))
    yrd_uses = []
    for n, (e, amount) in enumerate(plan):
        service = amount * 2
        if e in exhausted and last_index[e] == n:
            service += rng.randrange(10, 60) * 1_000  # the quota left binds, not the rate
        product = products[product_order[n]]
        ref = f"YRD22-U{n + 1:03d}"
        uses.append((ref, enterprises[e][0], product[1], product[0], "yrd-innovation-voucher", yuan(service * 100),
                     dates[n], f"项目{e + 1:03d}" if n % 7 == 0 else ""))
        yrd_uses.append((ref, amount, dates[n], product[1]))

    # Redemptions: providers file their uses in batches; most are paid, a few reduced or rejected,
    # the latest ones are still awaiting. Paid in all: 256.48万元.
    target_paid = 2_564_800
    paid = 0
    batch = {}
    provider_number = {p[0]: i + 1 for i, p in enumerate(providers)}
    for ref, amount, date, provider in yrd_uses:
        if paid >= target_paid:
            break
        month = int(date[5:7])
        filing = f"YRD22-R{provider_number[provider]:02d}-{month:02d}"
        pay_date = f"2022-{min(month + 1, 12):02d}-25"
        remaining = target_paid - paid
        if len(batch) % 23 == 11 and remaining > amount and amount > 5_000:
            reduced = amount - rng.randrange(1, 6) * 500
            redemptions.append((filing, ref, "reduced", yuan(reduced * 100), pay_date, "部分服务内容不在目录范围内，核减"))
            paid += reduced
        elif len(batch) % 41 == 19 and remaining > amount:
            redemptions.append((filing, ref, "rejected", "", pay_date, "服务合同与发票不一致"))
        elif remaining >= amount:
            redemptions.append((filing, ref, "paid", "", pay_date, ""))
            paid += amount
        else:
            redemptions.append((filing, ref, "reduced", yuan(remaining * 100), pay_date, "超出年度兑付额度，核减"))
            paid += remaining
        batch[ref] = filing
    assert paid == target_paid, paid

    write(out, "claims.csv", ["ref", "applicant_id", "programme", "year", "requested", "decision", "granted",
                              "decided_on", "claimed_on"], claims)
    write(out, "uses.csv", ["ref", "applicant_id", "provider_id", "product_code", "programme", "service_amount",
                            "used_on", "project"], uses)
    write(out, "redemptions.csv", ["ref", "use_ref", "outcome", "amount", "paid_on", "reason"], redemptions)
    print(f"wrote {len(enterprises)} enterprises, {len(providers)} providers, {len(products)} products, "
          f"{len(claims)} claims, {len(uses)} uses, {len(redemptions)} redemptions to {out}")


if __name__ == "__main__":
    main()
