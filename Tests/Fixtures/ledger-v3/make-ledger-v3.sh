#!/usr/bin/env bash
# How ledger-v3.sqlite was made: by the `voucher` binary of commit 877107d (schema v3), so that
# later versions prove they still open, verify and report a ledger written before them.
# Kept for the record; rerunning it with a later binary makes a different file.
set -euo pipefail
V=${VOUCHER:-.build/debug/voucher}
DB=${1:-ledger-v3.sqlite}
rm -f "$DB" "$DB-wal" "$DB-shm"
export VOUCHER_DB=$DB VOUCHER_ACTOR=fixture
A=91350100M000100Y43; B=91110000101623741K; P=911101066976941872
$V register applicant --id $A --name 甲科技有限公司 --kind enterprise --district 杨浦区 --region shanghai --date 2022-01-05
$V register applicant --id $B --name 乙智能有限公司 --kind enterprise --district 杨浦区 --region shanghai --date 2022-01-05
$V register provider --id $P --name 测试服务中心 --region jiangsu --date 2022-01-05
$V register product --code P1 --provider $P --name 核磁共振测试 --category testing --list-price 5万 --date 2022-01-05
$V register product --code P2 --provider $P --name 工业设计 --category design --list-price 8万 --date 2022-01-05
$V claim --ref C-A --applicant $A --programme sh-innovation-voucher --year 2022 --requested 30万 --date 2022-02-01
$V decide --claim C-A --grant 20万 --reviewer 王丽 --date 2022-02-10
$V decide --claim C-A --level city --grant 20万 --reviewer 李强 --date 2022-02-20
$V claim --ref C-B --applicant $B --programme yrd-innovation-voucher --year 2022 --requested 20万 --date 2022-02-01
$V decide --claim C-B --grant 20万 --reviewer 王丽 --date 2022-02-12
$V use --ref U-1 --applicant $A --provider $P --product P1 --programme sh-innovation-voucher --service-amount 6万 --date 2022-03-01
$V use --ref U-2 --applicant $A --provider $P --product P2 --programme sh-innovation-voucher --service-amount 8万 --date 2022-04-01
$V use --ref U-3 --applicant $A --provider $P --product P1 --programme sh-innovation-voucher --service-amount 2万 --date 2022-04-15
$V use --ref U-4 --applicant $B --provider $P --product P1 --programme yrd-innovation-voucher --service-amount 12万 --date 2022-05-01
$V use --ref U-5 --applicant $B --provider $P --product P2 --programme yrd-innovation-voucher --service-amount 4万 --date 2022-05-02
$V reverse --event 19 --reason 录入重复 --date 2022-05-03
$V redeem file --ref R-1 --provider $P --use U-1 --use U-2 --date 2022-05-10
$V redeem file --ref R-2 --provider $P --use U-4 --date 2022-09-30
$V redeem pay --claim R-1 --use U-1 --date 2022-05-20
$V redeem reduce --claim R-1 --use U-2 --amount 3万 --reason 发票金额不符 --date 2022-05-20
$V redeem reject --claim R-2 --use U-4 --reason 材料不全 --date 2022-10-10
$V expire --programme sh-innovation-voucher --date 2023-01-01
$V expire --programme yrd-innovation-voucher --date 2023-01-01
$V claim --ref M-1 --applicant $A --programme jic-overseas-matching --year 2023 --requested 60万 --project OV-1 --paid 60万 --date 2023-03-01
$V decide --claim M-1 --grant 60万 --reviewer 王丽 --date 2023-03-10
$V pay --claim M-1 --amount 40万 --date 2023-04-01
$V claim --ref G-1 --applicant $B --programme jic-operating-support --year 2023 --requested 50万 --date 2023-03-01
$V decide --claim G-1 --grant 30万 --reviewer 王丽 --date 2023-03-11
$V pay --claim G-1 --amount 30万 --date 2023-04-02
$V digest > "${DB%.sqlite}.digest"
