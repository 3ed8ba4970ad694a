"""The projects scenario of the browser test (run by run_e2e.py).

Pia signs up and creates a workspace, makes a template project with a task
and a subtask, starts a project from it, plans a sprint and puts a task in
it, starts the sprint, drags a card from Backlog to To do on the board, then
— in a second browser with JavaScript off — moves it on to In progress with
the card's button, and completes the sprint, whose page draws a burndown.
"""

import datetime
import re

from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

PIA = ("Pia", "pia@e2e.test", "pia plans sprints on a whiteboard 2291")
WS = "Product Team"
SLUG = "product-team"


def run(ctx, log, check, StepFailed):
    p = ctx.browser("pia")
    base = f"/w/{SLUG}/projects"

    def submit(form, step, pattern=None, button_css='button[type="submit"]'):
        p.submit_and_wait(form.find_element(By.CSS_SELECTOR, button_css), step, pattern)

    def fill(form, name, value):
        el = form.find_element(By.NAME, name)
        el.clear()
        el.send_keys(value)

    def set_date(form, name, day):
        # Date inputs take typed digits in the locale's order; setting the
        # value is what a date picker does.
        el = form.find_element(By.NAME, name)
        p.d.execute_script("arguments[0].value = arguments[1];", el, day.isoformat())

    log("  pia signs up and creates a workspace")
    p.signup(PIA)
    form = p.wait_css('form[action="/w/new"]', "new-workspace form")
    form.find_element(By.NAME, "name").send_keys(WS)
    submit(form, "create workspace", re.escape(f"/w/{SLUG}/"))
    check("Projects" in p.text(), "the dashboard has a Projects tile")

    log("  a template with a task and a subtask")
    p.get(f"{base}/new")
    form = p.wait_css(f'form[action="{base}"]', "project form")
    fill(form, "name", "Release template")
    fill(form, "key", "RT")
    form.find_element(By.NAME, "is_template").click()
    submit(form, "create the template", re.escape(base) + r"/[0-9a-f-]{36}")
    tpl_path = p.path()
    p.get(f"{tpl_path}/tasks/new")
    form = p.wait_css(f'form[action="{tpl_path}/tasks"]', "task form")
    fill(form, "title", "Write release notes")
    submit(form, "create a template task", re.escape(tpl_path) + r"/tasks/[0-9a-f-]{36}")
    sub_link = p.find('a[href*="/tasks/new?parent="]')
    p.click_and_wait_new_document(sub_link, "add a subtask")
    form = p.wait_css(f'form[action="{tpl_path}/tasks"]', "subtask form")
    fill(form, "title", "Proofread the notes")
    submit(form, "create the subtask", re.escape(tpl_path) + r"/tasks/[0-9a-f-]{36}")
    check("RT-1" in p.text(), f"the subtask page links its parent:\n{p.page_summary()}")

    log("  a project from the template")
    p.get(f"{base}/new")
    form = p.wait_css(f'form[action="{base}"]', "project form")
    Select(form.find_element(By.NAME, "template_id")).select_by_visible_text(
        "Template: Release template (2 tasks)")
    fill(form, "name", "Release 1.0")
    fill(form, "key", "REL")
    Select(form.find_element(By.NAME, "status")).select_by_value("active")
    submit(form, "create from the template", re.escape(base) + r"/[0-9a-f-]{36}")
    project = p.path()
    check("2" in p.find(".stats").text, "two open tasks copied")

    log("  plan and start a sprint with a task in it")
    p.get(f"{project}/sprints")
    form = p.wait_css(f'form[action="{project}/sprints"]', "sprint form")
    today = datetime.date.today()
    fill(form, "name", "Sprint 1")
    set_date(form, "start_date", today - datetime.timedelta(days=2))
    set_date(form, "end_date", today + datetime.timedelta(days=12))
    submit(form, "plan the sprint", re.escape(project) + r"/sprints/[0-9a-f-]{36}")
    sprint = p.path()
    sprint_id = sprint.rsplit("/", 1)[1]
    p.get(f"{project}/tasks?q=release+notes")
    link = p.wait_css(f'table.list a[href^="{project}/tasks/"]', "the copied task")
    task = link.get_attribute("href")[len(p.base):]
    p.get(f"{task}/edit")
    form = p.wait_css(f'form[action="{task}"]', "task edit form")
    Select(form.find_element(By.NAME, "sprint_id")).select_by_value(sprint_id)
    fill(form, "story_points", "5")
    submit(form, "put the task in the sprint", re.escape(task))
    p.get(sprint)
    form = p.wait_css(f'form[action="{sprint}/start"]', "start form")
    submit(form, "start the sprint", re.escape(sprint))
    check("active" in p.find("h1").text.lower(), f"the sprint runs:\n{p.page_summary()}")

    log("  drag the card from Backlog to To do")
    p.get(f"{project}/board")
    task_id = task.rsplit("/", 1)[1]
    card = p.wait_css(f"#card-{task_id}", "the card")
    check(card.find_element(By.XPATH, "./ancestor::section").get_attribute("data-status")
          == "backlog", "the card starts in Backlog")
    target = p.find('.board-column[data-status="todo"]')
    # HTML5 drag and drop, as the browser fires it (WebDriver's own drag
    # does not produce HTML5 drag events in Chromium).
    drag = """
        const [card, col] = arguments;
        const dt = new DataTransfer();
        card.dispatchEvent(new DragEvent('dragstart', {bubbles: true, dataTransfer: dt}));
        col.dispatchEvent(new DragEvent('dragover', {bubbles: true, cancelable: true, dataTransfer: dt}));
        col.dispatchEvent(new DragEvent('drop', {bubbles: true, cancelable: true, dataTransfer: dt}));
    """
    p.d.execute_script("window.__atriumE2E = 'before-drop';")
    p.d.execute_script(drag, card, target)

    def reloaded(d):
        try:
            return (d.execute_script("return window.__atriumE2E || null;") != "before-drop"
                    and d.execute_script("return document.readyState") == "complete")
        except WebDriverException:
            return False  # mid-navigation

    try:
        WebDriverWait(p.d, 30).until(reloaded)
    except TimeoutException:
        raise StepFailed(f"[pia] the drop posted no move:\n{p.page_summary()}")
    card = p.wait_css(f'.board-column[data-status="todo"] #card-{task_id}', "the card in To do")
    check("Moved to To do." in p.text(), f"the move is confirmed:\n{p.page_summary()}")

    log("  without JavaScript, move it on with its button")
    q = ctx.browser("pia-nojs", js=False)
    q.get("/login")
    form = q.wait_css('form[action="/login"]', "login form")
    form.find_element(By.NAME, "email").send_keys(PIA[1])
    form.find_element(By.NAME, "password").send_keys(PIA[2])
    q.submit_and_wait(form.find_element(By.CSS_SELECTOR, 'button[type="submit"]'), "sign in")
    q.get(f"{project}/board")
    button = q.wait_css(f'#card-{task_id} button[value="in_progress"]', "the card's button")
    q.submit_and_wait(button, "move with the button", re.escape(f"{project}/board"))
    q.wait_css(f'.board-column[data-status="in_progress"] #card-{task_id}', "the card in In progress")

    log("  complete the sprint; the burndown draws")
    p.get(sprint)
    form = p.wait_css(f'form[action="{sprint}/finish"]', "finish form")
    submit(form, "complete the sprint", re.escape(sprint), 'button[value="complete"]')
    check("Sprint completed; 1 unfinished task(s) moved to no sprint." in p.text(),
          f"completion carries the open task back:\n{p.page_summary()}")
    check(p.finds("svg.burndown polyline.actual"), "a burndown line is drawn")

    log("  a custom field, set on the task and filtered on")
    p.get(f"{project}/fields")
    form = p.wait_css(f'form[action="{project}/fields"]', "field form")
    fill(form, "name", "Platform")
    Select(form.find_element(By.NAME, "kind")).select_by_value("select")
    fill(form, "options", "iOS\nAndroid")
    submit(form, "add the field", re.escape(f"{project}/fields"))
    check("Platform" in p.find("table.list").text, f"the field is listed:\n{p.page_summary()}")
    p.get(f"{task}/edit")
    form = p.wait_css(f'form[action="{task}"]', "task edit form")
    field = form.find_element(By.CSS_SELECTOR, 'select[name^="cf_"]')
    Select(field).select_by_visible_text("iOS")
    submit(form, "set the platform", re.escape(task))
    check("iOS" in p.find(".string-facts").text, f"the task shows it:\n{p.page_summary()}")
    p.get(f"{project}/tasks")
    form = p.wait_css("form.filters", "the list's filters")
    name = form.find_element(By.CSS_SELECTOR, 'select[name^="cf_"]').get_attribute("name")
    p.get(f"{project}/tasks?{name}=iOS")
    p.wait_css(f'table.list a[href="{task}"]', "the iOS task under the iOS filter")
    p.get(f"{project}/tasks?{name}=Android")
    p.wait_css("form.filters", "the filtered list")
    check(not p.finds(f'table.list a[href="{task}"]'), "Android hides the iOS task")

    log("  an approval workflow run on the task, approved to the end")
    p.get(f"/w/{SLUG}/projects/workflows/new")
    form = p.wait_css(f'form[action="/w/{SLUG}/projects/workflows"]', "workflow form")
    fill(form, "name", "Release approval")
    submit(form, "create the workflow", rf"/w/{SLUG}/projects/workflows/[0-9a-f-]{{36}}")
    p.get(task)
    form = p.wait_css(f'form[action="{task}/runs"]', "start-a-workflow form")
    Select(form.find_element(By.NAME, "workflow_id")).select_by_visible_text("Release approval")
    run_path = rf"/w/{SLUG}/projects/workflows/[0-9a-f-]{{36}}/runs/[0-9a-f-]{{36}}"
    submit(form, "start it on the task", run_path)
    check("About the task" in p.text(), f"the run names its task:\n{p.page_summary()}")
    form = p.wait_css('form[action$="/decide"]', "the approval form")
    fill(form, "comment", "Ship it")
    submit(form, "approve", run_path, 'button[value="approve"]')
    check("completed" in p.find("h1").text.lower(), f"the run completed:\n{p.page_summary()}")
