"""The messages scenario of the browser test (run by run_e2e.py).

Sam signs up, creates a workspace and invites Tia, who accepts. Sam starts a
group conversation with Tia; both open it in their own browsers. Sam sends a
message through the form: it appears on Tia's page without a reload (server-
sent events). Sam mentions @tia: her badge rises on the open page. Tia
answers, and Sam's page shows the answer live too.
"""

import re

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

SAM = ("Sam", "sam@e2e.test", "sam writes long messages every morning 4410")
TIA = ("Tia", "tia@e2e.test", "tia answers within the minute always 9921")
WS = "Chat Corner"
SLUG = "chat-corner"


def run(ctx, log, check, StepFailed):
    s = ctx.browser("sam")
    t = ctx.browser("tia")

    def submit(b, form, step, pattern=None):
        b.submit_and_wait(form.find_element(By.CSS_SELECTOR, 'button[type="submit"]'), step, pattern)

    def wait_text(b, text, step, timeout=10):
        try:
            WebDriverWait(b.d, timeout).until(lambda d: text in d.find_element(By.TAG_NAME, "body").text)
        except Exception:
            raise StepFailed(f"{step}: {text!r} never appeared\n{b.page_summary()}")

    log("  sam signs up, creates a workspace and invites tia")
    s.signup(SAM)
    form = s.wait_css('form[action="/w/new"]', "new-workspace form")
    form.find_element(By.NAME, "name").send_keys(WS)
    submit(s, form, "create workspace", re.escape(f"/w/{SLUG}/"))
    s.get(f"/w/{SLUG}/members")
    form = s.wait_css('form[action$="/invitations"]', "invite form")
    form.find_element(By.NAME, "email").send_keys(TIA[1])
    submit(s, form, "send invitation", re.escape(f"/w/{SLUG}/members"))
    link = s.wait_css("#invite-link", "invitation link").get_attribute("value")
    token = link.rsplit("/", 1)[-1]
    t.get(f"/signup?next=/invite/{token}")
    t.signup(TIA, path=None, expect=re.escape(f"/invite/{token}"))
    form = t.wait_css(f'form[action="/invite/{token}"]', "accept form")
    submit(t, form, "accept invitation", re.escape(f"/w/{SLUG}/"))

    log("  sam starts a conversation with tia")
    base = f"/w/{SLUG}/messages"
    s.get(f"{base}/new")
    form = s.wait_css(f'form[action="{base}"]', "new conversation form")
    form.find_element(By.NAME, "title").send_keys("Launch chat")
    form.find_element(By.CSS_SELECTOR, 'input[name="people"]').click()
    submit(s, form, "start the conversation", re.escape(base) + r"/[0-9a-f-]{36}")
    room = s.path()

    log("  tia opens it from her inbox")
    t.get(base)
    t.click_and_wait_new_document(t.find(f'a[href="{room}"]'), "open the conversation")
    t.d.execute_script("window.__stayed = true;")
    t.wait_css(".chat[sse-connect]", "the live section")

    log("  sam sends a message; it reaches tia's open page")
    area = s.wait_css("#post-form textarea", "the message box")
    area.send_keys("Hello Tia, the **launch** is on.")
    s.find("#post-form button[type=submit]").click()
    wait_text(s, "Hello Tia, the launch is on.", "sam sees his own message")
    check(s.find("#post-form textarea").get_attribute("value") == "", "the form is cleared after sending")
    wait_text(t, "Hello Tia, the launch is on.", "tia sees it without reloading")
    check(t.d.execute_script("return window.__stayed === true;"), "tia's page was not reloaded")
    check(not t.finds("#notification-badge .badge-count"), "no badge before a mention")

    log("  sam mentions @tia through the picker; her badge rises")
    picker = s.find("#mention")
    picker.send_keys("@tia")
    WebDriverWait(s.d, 5).until(lambda d: "@tia" in d.find_element(By.ID, "body").get_attribute("value"))
    s.find("#post-form textarea").send_keys("can you check the copy?")
    s.find("#post-form button[type=submit]").click()
    wait_text(t, "can you check the copy?", "tia sees the mention")
    try:
        WebDriverWait(t.d, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#notification-badge .badge-count"))
    except Exception:
        raise StepFailed(f"the badge never rose\n{t.page_summary()}")
    badge = t.find("#notification-badge .badge-count")
    check(badge.text.strip() == "1", f"the badge reads {badge.text!r}")
    check(t.d.execute_script("return window.__stayed === true;"), "still the same page")

    log("  tia answers; sam sees it live")
    area = t.wait_css("#post-form textarea", "tia's message box")
    area.send_keys("On it!")
    t.find("#post-form button[type=submit]").click()
    wait_text(s, "On it!", "sam sees tia's answer")
