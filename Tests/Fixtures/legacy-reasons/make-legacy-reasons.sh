#!/usr/bin/env bash
# How legacy-reasons.sqlite was made: by the `voucher` binary of commit 5a561bd, which took a
# rejection's, a settlement's and a reversal's reason with a line break, a tab, a direction
# override or an escape in it. Later versions refuse such a reason when it is new, and must still
# answer a retry of these commands (the same command again) with the event recorded then.
# Kept for the record; rerunning it with a later binary is refused at the first such reason.
set -euo pipefail
V=${VOUCHER:-.build/debug/voucher}
DB=${1:-legacy-reasons.sqlite}
rm -f "$DB" "$DB-wal" "$DB-shm"
export VOUCHER_DB=$DB VOUCHER_ACTOR=fixture
A=91350100M000100Y43; P=911101066976941872
$V register applicant --id $A --name 甲科技有限公司 --kind enterprise --district 杨浦区 --region shanghai --date 2022-01-05
$V register provider --id $P --name 测试服务中心 --region jiangsu --date 2022-01-05
$V register product --code P1 --provider $P --name 核磁共振测试 --category testing --list-price 5万 --date 2022-01-05
$V claim --ref C-1 --applicant $A --programme sh-innovation-voucher --year 2022 --requested 30万 --date 2022-02-01
$V decide --claim C-1 --reject $'材料不全\n请补充营业执照' --reviewer 王丽 --date 2022-02-10
$V claim --ref C-2 --applicant $A --programme yrd-innovation-voucher --year 2022 --requested 20万 --date 2022-02-01
$V decide --claim C-2 --grant 20万 --reviewer 王丽 --date 2022-02-12
$V use --ref U-1 --applicant $A --provider $P --product P1 --programme yrd-innovation-voucher --service-amount 6万 --date 2022-03-01
$V use --ref U-2 --applicant $A --provider $P --product P1 --programme yrd-innovation-voucher --service-amount 4万 --date 2022-03-02
$V redeem file --ref R-1 --provider $P --use U-1 --use U-2 --date 2022-03-10
$V redeem reject --claim R-1 --use U-1 --reason $'发票\t不符' --date 2022-03-20
$V redeem reduce --claim R-1 --use U-2 --amount 1万 --reason $'金额\u202e不符' --date 2022-03-20
$V reverse --event 15 --reason $'录入重复\e[2J' --date 2022-03-21
$V digest > "${DB%.sqlite}.digest"
