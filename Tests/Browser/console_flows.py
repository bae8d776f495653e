"""The console's main flows in a real browser (Chromium, driven by Playwright).

Run by Tests/VoucherCLITests/BrowserTests.swift against a `voucher serve` it started on a ledger it
prepared: an enterprise looks at its vouchers, asks for a quote and applies for a quota; a provider
files its use; a district reviewer and then a city reviewer decide a claim; finance pays the filed
use and records part of it as owed back; an auditor opens the report and the verify page; an admin
registers a provider, records a budget and reads the events. Each step checks what the page says
and keeps a screenshot.

Usage: python console_flows.py BASE_URL SCREENSHOT_DIR PASSWORD PROVIDER_ID
"""

import os
import sys
import time
import urllib.request

from playwright.sync_api import expect, sync_playwright

base, shots, password, provider = sys.argv[1:5]
os.makedirs(shots, exist_ok=True)
steps = []


def wait_for_server():
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/console/login", timeout=1)
            return
        except Exception:
            time.sleep(0.1)
    sys.exit("the server did not answer at " + base)


def shot(page, name):
    steps.append(name)
    page.screenshot(path=os.path.join(shots, f"{len(steps):02d}-{name}.png"))


def sign_in(browser, name, lang="zh"):
    context = browser.new_context(viewport={"width": 1200, "height": 760})
    page = context.new_page()
    page.goto(base + "/console/login")
    page.fill("#name", name)
    page.fill("#password", password)
    page.select_option("#lang", lang)
    page.click("main button[type=submit]")
    page.wait_for_url(base + "/console")
    return context, page


def submit(page, row_text, button_text):
    page.locator("tr", has_text=row_text).locator("button", has_text=button_text).click()


wait_for_server()
with sync_playwright() as playwright:
    browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])

    # An enterprise: its vouchers, with each use's explanation; then a quote.
    context, page = sign_in(browser, "甲企业")
    expect(page.locator("main")).to_contain_text("我的创新券")
    shot(page, "enterprise-home")
    page.click("text=我的创新券")
    expect(page.locator("h1")).to_contain_text("甲科技有限公司")
    expect(page.locator("main")).to_contain_text("U-1")
    expect(page.locator("main")).to_contain_text("补贴 10,000.00")
    # The quotas come first: granted 100,000.00, 90,000.00 left after the use.
    expect(page.locator("main table").first).to_contain_text("剩余额度")
    expect(page.locator("main table").first).to_contain_text("90,000.00")
    shot(page, "enterprise-vouchers")
    page.goto(base + "/console/quote")
    page.select_option("#programme", "sh-innovation-voucher")
    page.fill("#provider", provider)
    page.fill("#product", "P1")
    page.fill("#service_amount", "4万")
    page.fill("#date", "2022-05-02")
    page.click("main button[type=submit]")
    expect(page.locator("main h2")).to_contain_text("20,000.00")
    shot(page, "enterprise-quote")
    # It applies for the 2024 voucher quota (2023 has its claim, C-2).
    page.goto(base + "/console/uses")
    page.fill("#c-ref", "C-3")
    page.select_option("#c-programme", "sh-innovation-voucher")
    page.fill("#c-year", "2024")
    page.fill("#c-requested", "5万")
    page.fill("#c-date", "2024-01-20")
    page.get_by_role("button", name="申领").click()
    expect(page.locator(".flash.ok")).to_contain_text("已记录")
    expect(page.locator("main")).to_contain_text("C-3")
    shot(page, "enterprise-applied")
    context.close()

    # The provider files its use for redemption.
    context, page = sign_in(browser, "测试中心")
    page.goto(base + "/console/uses")
    page.locator("tr", has_text="U-1").locator("input[type=checkbox]").check()
    page.fill("#ref", "R-1")
    page.fill("#date", "2022-06-01")
    page.click("main button[type=submit]")
    expect(page.locator(".flash.ok")).to_contain_text("已记录")
    expect(page.locator("tr", has_text="U-1")).to_contain_text("R-1")
    shot(page, "provider-filed")
    context.close()

    # Two reviewers: the district grants the claim, the city lowers it.
    context, page = sign_in(browser, "王丽")
    page.goto(base + "/console/claims")
    # The engine's explanation of what may be granted: the requested 100,000.00 here.
    expect(page.locator("main")).to_contain_text("可核定至多 100,000.00")
    row = page.locator("tr", has_text="C-2")
    # Enter in the reason field submits nothing: a reason typed is never a grant.
    row.locator("input[name=reason]").fill("材料不全")
    row.locator("input[name=reason]").press("Enter")
    page.wait_for_timeout(300)
    expect(page.locator(".flash")).to_have_count(0)
    expect(row.locator("input[name=reason]")).to_have_value("材料不全")
    row.locator("input[name=reason]").fill("")
    row.locator("input[name=grant]").fill("8万")
    row.locator("input[name=date]").fill("2023-02-10")
    shot(page, "district-queue")
    submit(page, "C-2", "核定")
    # The confirmation names the claim and what was decided; its row has left the queue.
    expect(page.locator(".flash.ok")).to_contain_text("申领 C-2 区级核定")
    expect(page.locator("tr", has_text="C-2")).to_have_count(0)
    context.close()
    context, page = sign_in(browser, "张强", lang="en")
    page.goto(base + "/console/claims")
    # The district's grant is in force (this programme does not require the city): it is listed
    # in the list of grants in force, open since the page holds nothing else.
    expect(page.locator("main")).to_contain_text("No claim awaits the city's review")
    expect(page.locator("main details")).to_have_attribute("open", "")
    row = page.locator("tr", has_text="C-2")
    expect(row).to_contain_text("80,000.00")
    row.locator("input[name=grant]").fill("6万")
    row.locator("input[name=date]").fill("2023-02-20")
    submit(page, "C-2", "Grant")
    expect(page.locator(".flash.ok")).to_contain_text("Recorded")
    shot(page, "city-decided")
    context.close()

    # Finance pays the filed use.
    context, page = sign_in(browser, "财务")
    page.goto(base + "/console/settlements")
    expect(page.locator("main")).to_contain_text("R-1")
    shot(page, "finance-queue")
    row = page.locator("tr", has_text="U-1")
    row.locator("input[name=date]").fill("2022-06-10")
    submit(page, "U-1", "结算")
    expect(page.locator(".flash.ok")).to_contain_text("10,000.00")
    # Part of the paid use is owed back.
    page.goto(base + "/console/recoveries")
    page.fill("#use", "U-1")
    page.get_by_role("button", name="显示").click()
    expect(page.locator("main table")).to_contain_text("10,000.00")
    page.fill("#owe-amount", "2000")
    page.fill("#owe-reason", "发票金额有误")
    page.fill("#owe-date", "2022-07-01")
    page.get_by_role("button", name="记录应追回").click()
    expect(page.locator(".flash.ok")).to_contain_text("已记录")
    expect(page.locator("main table")).to_contain_text("2,000.00")
    shot(page, "finance-recovery")
    context.close()

    # The auditor: the year's report with its chart, then verify.
    context, page = sign_in(browser, "审计", lang="en")
    page.goto(base + "/console/report?programme=sh-innovation-voucher&year=2022")
    expect(page.locator("main h1")).to_contain_text("2022")
    expect(page.locator("main")).to_contain_text("redeemed")
    expect(page.locator("main svg").first).to_be_visible()
    shot(page, "auditor-report")
    # The what-if: the programme's own policy file at a 40% rate instead of 50%.
    page.goto(base + "/console/whatif?programme=sh-innovation-voucher")
    policy = page.locator("textarea[name=policy]")
    own = policy.input_value()
    assert "50%" in own, own[:300]
    policy.fill(own.replace("50%", "40%"))
    page.locator("input[name=year]").fill("2022")
    page.get_by_role("button", name="Replay").click()
    expect(page.locator("main h1")).to_contain_text("2022")
    expect(page.locator("main svg").first).to_be_visible()
    expect(page.locator("main")).to_contain_text("8,000.00")
    shot(page, "auditor-whatif")
    page.goto(base + "/console/verify")
    expect(page.locator(".flash.ok")).to_contain_text("Every event verifies")
    expect(page.locator("main code")).to_contain_text("voucher-ledger digest 1:")
    # The digest kept, pasted back as the browser sends a form (its spaces as +).
    page.fill("#digest", page.locator("main code").inner_text())
    page.get_by_role("button", name="Compare").click()
    expect(page.locator("main")).to_contain_text("The ledger extends this digest")
    shot(page, "auditor-verify")
    # The header's switch shows the same page, with the digest compared, in Chinese.
    page.locator("header").get_by_role("button", name="中文").click()
    page.wait_for_url("**/console/verify?digest=*")
    expect(page.locator("main")).to_contain_text("账本延续此摘要")
    expect(page.locator("header")).to_contain_text("English")
    context.close()

    # An admin registers a provider, records the year's budget and reads the events.
    context, page = sign_in(browser, "管理员", lang="en")
    page.click("text=Registrations")
    form = page.locator("form", has=page.locator("input[name=what][value=provider]"))
    form.locator("input[name=id]").fill("12310000007000001F")
    form.locator("input[name=name]").fill("Zhangjiang test centre")
    form.locator("input[name=region]").fill("shanghai")
    form.get_by_role("button", name="Register").click()
    expect(page.locator(".flash.ok")).to_contain_text("Recorded: event")
    shot(page, "admin-registry")
    page.goto(base + "/console/budgets?programme=sh-innovation-voucher&year=2022")
    expect(page.locator("main")).to_contain_text("No budget is recorded")
    page.fill("#b-amount", "500万")
    page.fill("#b-shares", "city=60%\ndistrict=40%")
    page.fill("#b-date", "2022-01-10")
    page.get_by_role("button", name="Record the budget").click()
    expect(page.locator(".flash.ok")).to_contain_text("Recorded: event")
    expect(page.locator("main table")).to_contain_text("5,000,000.00")
    shot(page, "admin-budget")
    page.goto(base + "/console/events")
    first = page.locator("main tbody tr").first
    expect(first).to_contain_text("budget")
    expect(page.locator("main")).to_contain_text("owed back")
    expect(first.locator("button")).to_have_count(0)
    shot(page, "admin-events")
    context.close()
    browser.close()

print(f"{len(steps)} screenshots: " + ", ".join(steps))
