"""The naming scenario of the browser test (run by run_e2e.py).

Nora signs up, creates a workspace, makes three dimensions with values,
builds a Meta Ads rule with three levels in the htmx rule builder (checking
the live preview), generates a campaign with two ad sets (one ad each) from
the submission form, changes the campaign's country on its page, watches the
propagation job finish, rolls one ad set back to its first version, and
hangs a new ad under an ad set she finds with the parent search (Enter
searches there) and saves it as a draft with Enter.
"""

import re
import time

from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

NORA = ("Nora", "nora@e2e.test", "nora names campaigns before breakfast 4410")
WS = "Brand Ops"
SLUG = "brand-ops"
WAIT = 30


def run(ctx, log, check, StepFailed):
    n = ctx.browser("nora")
    base = f"/w/{SLUG}/naming"

    def xp(path):
        return n.d.find_element(By.XPATH, path)

    def wait_for(cond, step):
        # htmx swaps replace elements under us: an element found a moment ago
        # may be gone when read, so a stale element means "look again".
        try:
            return WebDriverWait(n.d, WAIT, ignored_exceptions=[StaleElementReferenceException]
                                 ).until(lambda d: cond())
        except TimeoutException:
            raise StepFailed(f"[nora] {step}: timed out at {n.path()}\n{n.page_summary()}")

    def settle(step):
        # No htmx request in flight and no swap half done.
        wait_for(lambda: n.d.execute_script(
            "return !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"),
            f"{step}: the page settles")

    def again(action, step):
        # An action whose elements an htmx swap replaced before it started is
        # simply done again on the new ones (no side effect happened yet).
        for _ in range(5):
            settle(step)
            try:
                return action()
            except StaleElementReferenceException:
                continue
        raise StepFailed(f"[nora] {step}: elements kept going stale\n{n.page_summary()}")

    def submit(form, step, pattern=None, button_css='button[type="submit"]'):
        n.submit_and_wait(form.find_element(By.CSS_SELECTOR, button_css), step, pattern)

    log("  nora signs up and creates a workspace")
    n.signup(NORA)
    form = n.wait_css('form[action="/w/new"]', "new-workspace form")
    form.find_element(By.NAME, "name").send_keys(WS)
    submit(form, "create workspace", re.escape(f"/w/{SLUG}/"))

    log("  nora makes the dimensions and their values")
    dims = [("Country", "LIST", ["de", "fr"]), ("Audience", "LIST", ["broad", "lal"]),
            ("Name", "TEXT", []), ("Creative", "TEXT", [])]
    for name, kind, values in dims:
        n.get(f"{base}/dimensions/new")
        form = n.wait_css(f'form[action="{base}/dimensions"]', "dimension form")
        form.find_element(By.NAME, "name").send_keys(name)
        Select(form.find_element(By.NAME, "kind")).select_by_value(kind)
        submit(form, f"create dimension {name}", re.escape(base) + r"/dimensions/[0-9a-f-]{36}")
        for v in values:
            form = n.wait_css('form[action$="/values"]', "add-value form")
            form.find_element(By.NAME, "value").send_keys(v)
            submit(form, f"add value {v}", re.escape(base) + r"/dimensions/[0-9a-f-]{36}")
            check(re.search(rf"\b{v}\b", n.text()), f"value {v} not listed:\n{n.page_summary()}")

    log("  nora creates a Meta Ads rule and builds three levels")
    n.get(f"{base}/rules")
    form = n.wait_css(f'#new-rule form[action="{base}/rules"]', "new-rule form")
    Select(form.find_element(By.NAME, "platform_id")).select_by_visible_text("Meta Ads")
    form.find_element(By.NAME, "name").send_keys("Meta standard")
    submit(form, "create rule", re.escape(base) + r"/rules/[0-9a-f-]{36}")
    rule_path = n.path()
    levels = [("Campaign", ["Country", "Name"]), ("Ad set", ["Country", "Audience"]),
              ("Ad", ["Country", "Audience", "Creative"])]
    for field, parts in levels:
        for i, dim in enumerate(parts):
            def add_part():
                section = xp(f"//section[contains(@class,'rule-field')]"
                             f"[h2[normalize-space(text())='{field}']]")
                form = section.find_element(By.CSS_SELECTOR, "form.rule-add")
                sel = Select(form.find_element(By.NAME, "dimension_id"))
                sel.select_by_visible_text(
                    next(o.text for o in sel.options if o.text.startswith(dim)))
                sid = section.get_attribute("id")
                form.find_element(By.CSS_SELECTOR, 'button[type="submit"]').click()
                return sid

            sid = again(add_part, f"add {dim} to {field}")
            # htmx swaps the section in place: wait for the part to be listed.
            wait_for(lambda: len(n.finds(f"#{sid} li.rule-part")) == i + 1,
                     f"{dim} added to {field}")
        preview = wait_for(lambda: n.find(f"#{sid} .rule-preview").text, f"{field} preview")
        check(preview.count("-") == len(parts) - 1,
              f"{field} preview {preview!r} does not join {len(parts)} parts with '-'")
    check(n.path() == rule_path, f"the builder reloaded the page: {n.path()}")

    log("  nora generates a campaign with two ad sets")
    n.get(f"{base}/submissions/new")
    form = n.wait_css("#submission-form", "submission form")
    Select(n.find("#sub-rule")).select_by_visible_text(
        next(o.text for o in Select(n.find("#sub-rule")).options if "Meta standard" in o.text))
    wait_for(lambda: len(n.finds("#levels fieldset.level")) == 3, "three levels load")

    def control(level, dim):
        return xp(f"//fieldset[contains(@class,'level')][legend[normalize-space()='{level}']]"
                  f"//div[contains(@class,'field')][label[starts-with(normalize-space(),'{dim}')]]"
                  f"//*[self::select or self::input]")

    def choose(level, dim, values):
        sel = Select(control(level, dim))
        for i, o in enumerate(sel.options):
            if o.text.split(" — ")[0] in values:
                sel.select_by_index(i)

    again(lambda: choose("Campaign", "Country", ["de"]), "choose de")
    again(lambda: control("Campaign", "Name").send_keys("spring"), "type spring")
    again(lambda: choose("Ad set", "Audience", ["broad", "lal"]), "choose the audiences")
    again(lambda: control("Ad", "Creative").send_keys("video"), "type video")
    n.find("#sub-name").send_keys("Spring launch")
    wait_for(lambda: "de-spring" in n.find("#preview").text, "the live preview shows de-spring")
    submit(form, "submit for approval", re.escape(base) + r"/submissions/[0-9a-f-]{36}",
           'button[name="action"][value="submit"]')
    for v in ["de-spring", "de-broad", "de-lal", "de-broad-video", "de-lal-video"]:
        check(v in n.text(), f"{v} missing on the submission page:\n{n.page_summary()}")

    log("  nora changes the campaign's country")
    def open_string(value, step):
        n.get(f"{base}/strings?q={value}")
        link = xp(f"//li[code[normalize-space()='{value}']]/a[normalize-space()='details']")
        n.click_and_wait_new_document(link, step)
        check(value in n.text(), f"not the page of {value}:\n{n.page_summary()}")

    open_string("de-spring", "open the campaign")
    string_path = n.path()
    form = n.wait_css(f'form[action="{string_path}/edit"]', "edit form")
    sel = Select(form.find_element(By.CSS_SELECTOR, 'select[aria-label="Country"]'))
    sel.select_by_index(next(i for i, o in enumerate(sel.options) if o.text.startswith("fr")))
    submit(form, "save the new country", None)
    check("fr-spring" in n.text(), f"the campaign did not become fr-spring:\n{n.page_summary()}")

    log("  nora watches the propagation job finish")
    n.get(f"{base}/propagation")
    jobs = [a for a in n.finds('a[href*="/naming/propagation/"]')
            if re.search(r"/propagation/[0-9a-f-]{36}$", a.get_attribute("href") or "")]
    check(jobs, f"no propagation job listed:\n{n.page_summary()}")
    n.click_and_wait_new_document(jobs[0], "open the job")
    wait_for(lambda: re.search(r"\bcompleted\b", n.text(), re.I), "the job completes")
    n.get(f"{base}/strings")
    for v in ["fr-spring", "fr-broad", "fr-lal", "fr-broad-video", "fr-lal-video"]:
        check(v in n.text(), f"{v} missing after propagation:\n{n.page_summary()}")

    log("  nora rolls one ad set back")
    open_string("fr-broad", "open the ad set")
    form = n.wait_css('form[action$="/versions/1/rollback"]', "rollback to version 1")
    submit(form, "roll back to version 1", None)
    check(n.find("h1").text.strip() == "de-broad",
          f"the ad set is not back to de-broad:\n{n.page_summary()}")
    check(re.search(r"\bv?3\b|version 3", n.text(), re.I),
          f"the rollback is not a new version 3:\n{n.page_summary()}")

    log("  nora hangs a new ad under an ad set she searches for")
    n.get(f"{base}/submissions/new")
    form = n.wait_css("#submission-form", "submission form")
    Select(n.find("#sub-rule")).select_by_visible_text(
        next(o.text for o in Select(n.find("#sub-rule")).options if "Meta standard" in o.text))
    wait_for(lambda: n.finds("#sub-field"), "the starting field loads")
    Select(n.find("#sub-field")).select_by_visible_text("Ad")
    wait_for(lambda: n.finds("#sub-parent-q") and len(n.finds("#levels fieldset.level")) == 1,
             "one level and the parent search load")
    # Enter in the search box searches (htmx); it doesn't submit the form.
    n.find("#sub-parent-q").send_keys("lal" + Keys.ENTER)
    # htmx searches as she types: only fr-lal is left besides "None".
    wait_for(lambda: [o.text for o in Select(n.find("#sub-parent")).options][1:] == ["fr-lal"],
             "the search narrows the parents to fr-lal")

    def pick_parent():
        # A late search answer may replace the list after she picked: pick
        # again until the levels show what fr-lal passes down.
        sel = Select(n.find("#sub-parent"))
        if [o.text for o in sel.all_selected_options] != ["fr-lal"]:
            sel.select_by_visible_text("fr-lal")
        return "inherited from Ad set fr-lal" in n.find("#levels").text

    wait_for(pick_parent, "the ad inherits country and audience from fr-lal")
    again(lambda: control("Ad", "Creative").send_keys("banner"), "type banner")
    n.find("#sub-name").send_keys("Banner")
    wait_for(lambda: "fr-lal-banner" in n.find("#preview").text,
             "the live preview shows fr-lal-banner")
    check(n.path() == f"{base}/submissions/new", f"the search left the form: {n.path()}")
    # Enter in a text box saves a draft.
    n.click_and_wait_new_document(n.find("#sub-name"), "save the ad with Enter", Keys.ENTER)
    n.wait_path(re.escape(base) + r"/submissions/[0-9a-f-]{36}", "save the ad with Enter")
    check("fr-lal-banner" in n.text(), f"fr-lal-banner missing:\n{n.page_summary()}")
    check(re.search(r"\bdraft\b", n.text(), re.I), f"not a draft:\n{n.page_summary()}")

    # Nothing on the way logged an error (CSP refusals, failed htmx requests).
    n.drain_console()
    errors = [e for e in n.console if e.get("level") == "SEVERE"]
    check(not errors, f"console errors: {errors}")
