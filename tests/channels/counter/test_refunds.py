"""Refunds (還付) at the counter: the cancel page says what would be given back, the
reservation's page shows the refund owed and records its payout once, and the month's
list (on screen and as CSV) adds up; bad input is told, never a 500."""

from __future__ import annotations

import csv
import io

from reservations import services
from tests.channels.counter.conftest import fresh, get_page, post, text_of
from tests.channels.counter.test_permits import paid_hold
from tests.pages import check_page


def cancel(clerk, reservation):
    response = post(
        clerk,
        f"/counter/reservations/{reservation.id}/cancel",
        {"reason": "ご本人から電話で取消の依頼"},
    )
    assert response.status_code == 302, response.data.decode()[:2000]
    fresh()
    return services.refund_for(reservation.id)


def test_the_cancel_page_says_what_would_be_given_back(clerk, town):
    paid = paid_hold(clerk, town)  # 12月16日, cancelled on 12月1日: all of it
    text = text_of(get_page(clerk, f"/counter/reservations/{paid.id}/cancel"))
    assert "今取り消すと、1,500円(100%)をお返しします" in text


def test_a_cancelled_paid_booking_shows_its_refund_and_records_the_payout_once(clerk, town):
    paid = paid_hold(clerk, town)
    refund = cancel(clerk, paid)
    assert refund.amount_yen == 1500 and refund.status == services.REFUND_OWED
    page = get_page(clerk, f"/counter/reservations/{paid.id}")
    text = text_of(page)
    assert "還付額 1,500円 (お支払い1,500円の100%)" in text
    assert "利用日の15日前の取消: 100%" in text
    assert page.find("form", action=f"/counter/refunds/{refund.id}/pay-out")

    # Nothing chosen: told on the field, nothing recorded.
    response = post(
        clerk,
        f"/counter/refunds/{refund.id}/pay-out",
        {},
        form_page=f"/counter/reservations/{paid.id}",
    )
    assert response.status_code == 400
    soup = check_page(response.data)
    assert "還付の方法を選んでください" in text_of(soup.find(class_="error-summary"))
    fresh()
    assert services.refund_for(paid.id).status == services.REFUND_OWED

    response = post(
        clerk,
        f"/counter/refunds/{refund.id}/pay-out",
        {"method": "cash"},
        form_page=f"/counter/reservations/{paid.id}",
    )
    assert response.status_code == 302
    page = get_page(clerk, f"/counter/reservations/{paid.id}")
    text = text_of(page)
    assert "1,500円の還付を支払い済みとして記録しました。" in text
    assert "窓口で現金" in text and "窓口 一子" in text
    assert page.find("form", action=f"/counter/refunds/{refund.id}/pay-out") is None


def test_paying_out_twice_is_told_not_done(clerk, town):
    paid = paid_hold(clerk, town)
    refund = cancel(clerk, paid)
    token_page = f"/counter/reservations/{paid.id}"
    soup = get_page(clerk, token_page)
    token = soup.find("input", attrs={"name": "csrf_token"})["value"]
    first = clerk.post(
        f"/counter/refunds/{refund.id}/pay-out", data={"method": "cash", "csrf_token": token}
    )
    assert first.status_code == 302
    again = clerk.post(
        f"/counter/refunds/{refund.id}/pay-out", data={"method": "transfer", "csrf_token": token}
    )
    assert again.status_code == 409
    assert "この還付はすでに支払い済みです" in text_of(check_page(again.data))
    fresh()
    assert services.refund_for(paid.id).method == "cash"


def test_an_unknown_refund_is_not_found(clerk, town):
    response = post(
        clerk, "/counter/refunds/999999/pay-out", {"method": "cash"}, form_page="/counter/refunds"
    )
    assert response.status_code == 404


def test_the_months_list_and_its_csv(clerk, town):
    paid = paid_hold(clerk, town)
    refund = cancel(clerk, paid)
    soup = get_page(clerk, "/counter/refunds")
    text = text_of(soup)
    assert "2026年12月" in text
    assert "今月に生じた還付 1,500円" in text and "月末時点の未払いの還付 1,500円" in text
    assert soup.find("a", href=f"/counter/reservations/{paid.id}")
    response = clerk.get("/counter/refunds.csv?month=2026-12")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:6] == ["予約", "利用者", "施設", "利用日", "支払額", "還付額"]
    assert rows[1][0] == paid.number and rows[1][4:7] == ["1500", "1500", "100"]
    assert rows[1][9] == "未払い"
    assert refund.id


def test_a_month_that_is_no_month_is_told_in_the_visitors_language(clerk, town):
    soup = get_page(clerk, "/counter/refunds?month=2026-13", status=400)
    assert "月を入力してください(例: 2026-12)" in text_of(soup.find(class_="error-summary"))
    clerk.set_cookie("lang", "en")
    soup = get_page(clerk, "/counter/refunds?month=%E5%85%88%E6%9C%88", status=400)
    assert "Enter a month, for example 2026-12" in text_of(soup.find(class_="error-summary"))
    assert clerk.get("/counter/refunds.csv?month=x").status_code == 400


def test_the_counter_sets_a_residents_message_language(clerk, town):
    # (Kept beside the refunds' tests: both are the resident's record at the counter.)
    sato = services.find_residents("さとう")[0]
    page = get_page(clerk, f"/counter/residents/{sato.id}")
    assert "お知らせの言語 日本語" in text_of(page)
    response = post(
        clerk,
        f"/counter/residents/{sato.id}/language",
        {"language": "en"},
        form_page=f"/counter/residents/{sato.id}",
    )
    assert response.status_code == 302
    text = text_of(get_page(clerk, f"/counter/residents/{sato.id}"))
    assert "この方へのお知らせは、その言語でお送りします。" in text
    assert "お知らせの言語 英語" in text and "お知らせを日本語で送る" in text
    fresh()
    assert services.get_resident(sato.id).preferred_language == "en"
    assert "お知らせをやさしい日本語で送る" in text  # the third language, easy Japanese
    post(
        clerk,
        f"/counter/residents/{sato.id}/language",
        {"language": "ja@easy"},
        form_page=f"/counter/residents/{sato.id}",
    )
    text = text_of(get_page(clerk, f"/counter/residents/{sato.id}"))
    assert "お知らせの言語 やさしい日本語" in text and "お知らせを英語で送る" in text
    fresh()
    assert services.get_resident(sato.id).preferred_language == "ja@easy"
    post(
        clerk,
        f"/counter/residents/{sato.id}/language",
        {"language": "en"},
        form_page=f"/counter/residents/{sato.id}",
    )
    fresh()
    assert services.get_resident(sato.id).preferred_language == "en"
    response = post(
        clerk,
        f"/counter/residents/{sato.id}/language",
        {"language": "xx"},
        form_page=f"/counter/residents/{sato.id}",
    )
    assert response.status_code == 302
    fresh()
    assert services.get_resident(sato.id).preferred_language == "en"
    assert "notice-warning" in str(get_page(clerk, f"/counter/residents/{sato.id}"))
