"""The notifications scenario of the browser test (run by run_e2e.py).

Quinn signs up, creates a workspace and invites Rae, who signs up through
the invitation and accepts. Quinn assigns Rae a task; in her own browser Rae
sees the top bar's badge, opens the notice from her notification list and
lands on the task, the badge gone; then she chooses email at once for
assignments on her preferences page.
"""

import re

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

QUINN = ("Quinn", "quinn@e2e.test", "quinn answers every ticket by noon 5527")
RAE = ("Rae", "rae@e2e.test", "rae reads her notifications twice 8830")
WS = "Support Desk"
SLUG = "support-desk"
TASK = "Call the customer back"


def run(ctx, log, check, StepFailed):
    q = ctx.browser("quinn")
    r = ctx.browser("rae")

    def submit(b, form, step, pattern=None):
        b.submit_and_wait(form.find_element(By.CSS_SELECTOR, 'button[type="submit"]'), step, pattern)

    log("  quinn signs up, creates a workspace and invites rae")
    q.signup(QUINN)
    form = q.wait_css('form[action="/w/new"]', "new-workspace form")
    form.find_element(By.NAME, "name").send_keys(WS)
    submit(q, form, "create workspace", re.escape(f"/w/{SLUG}/"))
    q.get(f"/w/{SLUG}/members")
    form = q.wait_css('form[action$="/invitations"]', "invite form")
    form.find_element(By.NAME, "email").send_keys(RAE[1])
    Select(form.find_element(By.NAME, "role")).select_by_value("member")
    submit(q, form, "send invitation", re.escape(f"/w/{SLUG}/members"))
    link = q.wait_css("#invite-link", "invitation link").get_attribute("value")
    token = link.rsplit("/", 1)[-1]

    log("  rae signs up through the invitation and accepts")
    r.d.get(link)
    r._ready()
    r.get(f"/signup?next=/invite/{token}")
    r.signup(RAE, path=None, expect=re.escape(f"/invite/{token}"))
    form = r.wait_css(f'form[action="/invite/{token}"]', "accept form")
    submit(r, form, "accept invitation", re.escape(f"/w/{SLUG}/"))
    check(not r.finds("#notification-badge .badge-count"), "no badge before anything happened")

    log("  quinn assigns rae a task")
    base = f"/w/{SLUG}/projects"
    q.get(f"{base}/new")
    form = q.wait_css(f'form[action="{base}"]', "project form")
    form.find_element(By.NAME, "name").send_keys("Escalations")
    key = form.find_element(By.NAME, "key")
    key.clear()
    key.send_keys("ESC")
    submit(q, form, "create the project", re.escape(base) + r"/[0-9a-f-]{36}")
    project = q.path()
    q.get(f"{project}/tasks/new")
    form = q.wait_css(f'form[action="{project}/tasks"]', "task form")
    form.find_element(By.NAME, "title").send_keys(TASK)
    Select(form.find_element(By.NAME, "assignee_id")).select_by_visible_text("Rae")
    submit(q, form, "create the task", re.escape(project) + r"/tasks/[0-9a-f-]{36}")
    task_path = q.path()

    log("  rae sees the badge, opens the notice and lands on the task")
    r.get(f"/w/{SLUG}/")
    badge = r.wait_css("#notification-badge .badge-count", "the unread badge")
    check(badge.text.strip() == "1", f"the badge reads {badge.text!r}")
    r.click_and_wait_new_document(r.find("#notification-badge"), "open the notification list")
    check("Quinn assigned you #1 " + TASK in r.text(), f"the notice is listed:\n{r.page_summary()}")
    r.click_and_wait_new_document(r.find(".notice.unread .notice-open button"), "open the notice")
    r.wait_path(re.escape(task_path), "follow the notice to the task")
    check(TASK in r.text(), f"the task page:\n{r.page_summary()}")
    check(not r.finds("#notification-badge .badge-count"), "the badge is gone once read")

    log("  rae asks for assignments by email at once")
    r.get(f"/w/{SLUG}/notifications/preferences")
    form = r.wait_css(f'form[action="/w/{SLUG}/notifications/preferences"]', "preferences form")
    Select(form.find_element(By.NAME, "email.projects.assigned")).select_by_value("immediate")
    submit(r, form, "save preferences", re.escape(f"/w/{SLUG}/notifications/preferences"))
    check("Notification preferences saved." in r.text(), f"saved:\n{r.page_summary()}")
    chosen = Select(r.find('select[name="email.projects.assigned"]')).first_selected_option
    check(chosen.get_attribute("value") == "immediate", "the choice is kept")
