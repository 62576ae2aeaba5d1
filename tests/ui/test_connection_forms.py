"""Both connection types in the real Airflow UI, driven in headless Chromium.

For "Sinch SMS" and "Fone Dynamics SMS": add a connection and check the form (labels, the password input,
the drop-downs and their defaults); fill it in pointing at the sandbox and save; test it with the list's
"Test Connection" button, as docs/connections.md recommends; test a connection with a wrong token and see
the 401; edit the connection and check that every value survived.

With ``SMS_DOCS_SCREENSHOT_DIR`` set (``make docs-screenshots``) the empty forms are saved there as PNG.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from selenium.common.exceptions import (
    ElementNotInteractableException,
    NoSuchElementException,
    StaleElementReferenceException,
)
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from airflow_provider_sms.sandbox.testing import SandboxServer

WAIT_S = 30.0
WRONG_TOKEN = "not-the-sandbox-token"


@dataclass(frozen=True)
class FormSpec:
    """What one connection type's form must show, and what the test enters into it.

    :param conn_type: The connection type.
    :param hook_name: The name the type has in the UI's drop-down.
    :param standard_labels: Label of each visible standard field, by input name.
    :param extra_labels: Label of each ``extra`` field, in display order.
    :param dropdowns: ``extra`` fields shown as drop-downs, with their default.
    :param number_defaults: ``extra`` fields shown as number inputs, with their default.
    :param login: Login the sandbox accepts.
    :param token: Password the sandbox accepts.
    :param extra_input: ``extra`` values typed into text and number inputs.
    :param extra_choice: ``extra`` values picked from drop-downs.
    :param success: Start of the message of a successful test.
    """

    conn_type: str
    hook_name: str
    standard_labels: dict[str, str]
    extra_labels: tuple[str, ...]
    dropdowns: dict[str, str]
    number_defaults: dict[str, str]
    login: str
    token: str
    extra_input: dict[str, str]
    extra_choice: dict[str, str] = field(default_factory=dict)
    success: str = ""

    def expected_extra(self) -> dict[str, Any]:
        typed = {
            name: int(value) if name in self.number_defaults else value
            for name, value in self.extra_input.items()
        }
        defaults = {name: int(value) for name, value in self.number_defaults.items()}
        return {**self.dropdowns, **defaults, **typed, **self.extra_choice}


SINCH = FormSpec(
    conn_type="sinch",
    hook_name="Sinch SMS",
    standard_labels={
        "host": "Base URL override",
        "login": "Service plan ID or OAuth key ID",
        "password": "API token or OAuth key secret",
        "port": "Port",
    },
    extra_labels=(
        "Region",
        "Authentication",
        "Project ID",
        "OAuth token URL override",
        "Default sender",
        "Service plan has a default originator",
        "Webhook URL secret",
        "Webhook signing secret",
        "Timeout (seconds)",
        "Max retries",
        "Max retry wait (seconds)",
        "Max concurrent requests",
        "Max recipients per second",
        "Allow plain http",
    ),
    dropdowns={"region": "us", "auth_type": "api_token"},
    number_defaults={
        "timeout": "30",
        "max_retries": "3",
        "max_retry_wait": "120",
        "max_concurrent_requests": "4",
    },
    login="sandbox",
    token="sandbox-token",
    extra_input={"default_from": "ACME", "timeout": "20"},
    extra_choice={"region": "eu"},
    success="Sinch connection works: listed batches in region eu",
)

FONE_DYNAMICS = FormSpec(
    conn_type="fonedynamics",
    hook_name="Fone Dynamics SMS",
    standard_labels={
        "host": "Base URL override",
        "login": "Account SID",
        "password": "Account token",
        "port": "Port",
    },
    extra_labels=(
        "Property SID",
        "Default sender",
        "Webhook URL secret",
        "Timeout (seconds)",
        "Max retries",
        "Max retry wait (seconds)",
        "Max concurrent requests",
        "Max recipients per second",
        "Allow plain http",
    ),
    dropdowns={},
    number_defaults={
        "timeout": "30",
        "max_retries": "3",
        "max_retry_wait": "120",
        "max_concurrent_requests": "4",
    },
    login="ACSANDBOX",
    token="sandbox-token",
    extra_input={"property_sid": "PRSANDBOX", "default_from": "ACME", "max_retries": "2"},
    success="Fone Dynamics connection works",
)


class ConnectionsPage:
    """The UI's Admin → Connections page, as a user works it.

    :param driver: The browser.
    :param base_url: The API server's base URL.
    """

    def __init__(self, driver: Chrome, base_url: str) -> None:
        self.driver = driver
        self.base_url = base_url

    def open(self) -> None:
        url = f"{self.base_url}/connections"
        self.driver.get(url)

        def landed() -> str | None:
            if self.driver.current_url.rstrip("/") == self.base_url:
                return "home"
            return "connections" if self._button_with_text("Add Connection") else None

        # Airflow 3.1 signs a new browser in first and lands on the home page; the second visit stays.
        if self._wait_for(landed) == "home":
            self.driver.get(url)
            self._wait_for(lambda: self._button_with_text("Add Connection"))

    def start_adding(self, hook_name: str) -> WebElement:
        """Open "Add Connection" and pick the type; return the dialog."""
        self._button_with_text("Add Connection").click()
        dialog = self._wait_for(self._dialog)
        self._choose(dialog.find_element(By.CSS_SELECTOR, "input[role=combobox]"), hook_name)
        self._wait_for(lambda: self._input(dialog, "login"))
        return dialog

    def start_editing(self, conn_id: str) -> WebElement:
        """Open the edit dialog of a listed connection; return the dialog."""
        self._click(self._row_button(conn_id, "Edit Connection"))
        dialog = self._wait_for(self._dialog)
        self._wait_for(lambda: self._input(dialog, "login").get_attribute("value"))
        return dialog

    def open_section(self, dialog: WebElement, title: str) -> None:
        """Open one section of the form ("Standard Fields", "Extra Fields"); the UI shows one at a time."""
        (trigger,) = [
            b for b in dialog.find_elements(By.CSS_SELECTOR, "button[aria-expanded]") if b.text == title
        ]
        if trigger.get_attribute("aria-expanded") != "true":
            # The accordion reacts to a real pointer click only, not to a script's click().
            self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", trigger)
            trigger.click()
        self._wait_for(lambda: trigger.get_attribute("aria-expanded") == "true")
        self._wait_for(lambda: self._section(dialog, title).is_displayed())

    def labels(self, dialog: WebElement) -> dict[str, str]:
        """Return each field's label, by the id of the input it labels."""
        labels: dict[str, str] = {}
        for label in dialog.find_elements(By.CSS_SELECTOR, "label[for]"):
            text = label.get_attribute("textContent") or ""
            labels[label.get_attribute("for") or ""] = text.replace("*", "").strip()
        return labels

    def standard_label(self, dialog: WebElement, name: str) -> str:
        return self.labels(dialog)[self._input(dialog, name).get_attribute("id") or ""]

    def extra_labels(self, dialog: WebElement) -> list[str]:
        """Labels of the ``extra`` fields in display order (their inputs are named ``element_<key>``)."""
        section = self._section(dialog, "Extra Fields")
        labels = section.find_elements(By.CSS_SELECTOR, "label")
        texts = [(label.get_attribute("textContent") or "").strip() for label in labels]
        # A boolean field is its labelled row plus a switch whose own label is empty.
        return [text for text in texts if text]

    def extra_value(self, dialog: WebElement, name: str) -> str:
        """The value of an ``extra`` field, whichever widget shows it.

        Airflow 3.3 draws a drop-down with react-select and keeps its value in a hidden input named like the
        field; Airflow 3.1 draws a Chakra select and shows its value in a text span.
        """
        boxes = dialog.find_elements(By.CSS_SELECTOR, f"input[name='element_{name}']")
        if boxes:
            return boxes[0].get_attribute("value") or ""
        shown = dialog.find_element(By.CSS_SELECTOR, f"[id='select:element_{name}'] [data-part=value-text]")
        return (shown.get_attribute("textContent") or "").strip()

    def is_dropdown(self, dialog: WebElement, name: str) -> bool:
        selector = f"#element_{name} input[role=combobox], [id='select:element_{name}'] button[role=combobox]"
        return bool(dialog.find_elements(By.CSS_SELECTOR, selector))

    def fill(self, dialog: WebElement, values: dict[str, str]) -> None:
        """Type into inputs by name (standard fields by their name, ``extra`` fields as ``element_<key>``)."""
        for name, value in values.items():
            box = self._input(dialog, name)
            box.send_keys(Keys.CONTROL, "a")
            box.send_keys(Keys.BACKSPACE)
            box.send_keys(value)

    def choose_extra(self, dialog: WebElement, name: str, value: str) -> None:
        typed = dialog.find_elements(By.CSS_SELECTOR, f"#element_{name} input[role=combobox]")
        if typed:
            self._choose(typed[0], value)
        else:
            dialog.find_element(
                By.CSS_SELECTOR, f"[id='select:element_{name}'] button[role=combobox]"
            ).click()
            option = f"[id='select:element_{name}:option:{value}']"
            self._wait_for(lambda: self.driver.find_element(By.CSS_SELECTOR, option).is_displayed())
            self.driver.find_element(By.CSS_SELECTOR, option).click()
        self._wait_for(lambda: self.extra_value(dialog, name) == value)

    def value(self, dialog: WebElement, name: str) -> str:
        return self._input(dialog, name).get_attribute("value") or ""

    def extra_role(self, dialog: WebElement, name: str) -> str:
        return self._input(dialog, f"element_{name}").get_attribute("role") or ""

    def input_type(self, dialog: WebElement, name: str) -> str:
        return self._input(dialog, name).get_attribute("type") or ""

    def save(self, dialog: WebElement) -> None:
        save = self._wait_for(
            lambda: next(
                (b for b in dialog.find_elements(By.CSS_SELECTOR, "button") if b.text == "Save"), None
            )
        )
        self._wait_for(save.is_enabled)
        self._click(save)
        self._wait_for(lambda: not self.driver.find_elements(By.CSS_SELECTOR, "[role=dialog]"))

    def test_connection(self, conn_id: str) -> tuple[str, str]:
        """Press the row's "Test Connection" button; return the toast's title and message."""
        before = {toast.id for toast in self._toasts()}
        self._click(self._row_button(conn_id, "Test Connection"))
        (toast,) = self._wait_for(lambda: [t for t in self._toasts() if t.id not in before] or None)
        title, _, message = toast.text.partition("\n")
        return title, message

    def screenshot(self, dialog: WebElement, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.driver.execute_script("document.activeElement && document.activeElement.blur()")
        dialog.screenshot(str(path))

    def _toasts(self) -> list[WebElement]:
        toasts = self.driver.find_elements(By.CSS_SELECTOR, "[data-scope=toast][data-part=root]")
        return [toast for toast in toasts if toast.text.startswith("Test Connection")]

    def _row_button(self, conn_id: str, label: str) -> WebElement:
        def find() -> WebElement | None:
            for row in self.driver.find_elements(By.CSS_SELECTOR, "tbody tr"):
                cells = row.find_elements(By.CSS_SELECTOR, "td")
                if any(cell.text.strip() == conn_id for cell in cells):
                    return row.find_element(By.CSS_SELECTOR, f"button[aria-label='{label}']")
            return None

        return self._wait_for(find)

    def _choose(self, combobox: WebElement, text: str) -> None:
        self._wait_for(lambda: combobox.send_keys(text) or True)  # the dialog may still be opening
        self._wait_for(
            lambda: [o for o in self.driver.find_elements(By.CSS_SELECTOR, "[role=option]") if o.text == text]
        )
        combobox.send_keys(Keys.ENTER)

    def _section(self, dialog: WebElement, title: str) -> WebElement:
        (trigger,) = [
            b for b in dialog.find_elements(By.CSS_SELECTOR, "button[aria-expanded]") if b.text == title
        ]
        section: WebElement = self.driver.execute_script(
            "return document.getElementById(arguments[0])", trigger.get_attribute("aria-controls")
        )
        return section

    def _input(self, dialog: WebElement, name: str) -> WebElement:
        return dialog.find_element(By.CSS_SELECTOR, f"[name='{name}']:not([type=hidden])")

    def _dialog(self) -> WebElement | None:
        dialogs = self.driver.find_elements(By.CSS_SELECTOR, "[role=dialog]")
        return dialogs[0] if dialogs else None

    def _button_with_text(self, text: str) -> WebElement:
        return next(b for b in self.driver.find_elements(By.CSS_SELECTOR, "button") if b.text == text)

    def _click(self, element: WebElement) -> None:
        # A tooltip from the previous row can cover a button; a script click reaches it all the same.
        self.driver.execute_script("arguments[0].click()", element)

    def _wait_for(self, condition: Any) -> Any:
        def attempt(_: Any) -> Any:
            try:
                return condition()
            except (
                StaleElementReferenceException,
                NoSuchElementException,
                ElementNotInteractableException,
                StopIteration,
                LookupError,
            ):
                return None  # still rendering

        return WebDriverWait(self.driver, WAIT_S, poll_frequency=0.2).until(attempt)


def stored_connection(api: requests.Session, base_url: str, conn_id: str) -> dict[str, Any]:
    response = api.get(f"{base_url}/api/v2/connections/{conn_id}", timeout=10)
    response.raise_for_status()
    connection: dict[str, Any] = response.json()
    return connection


@pytest.mark.parametrize("spec", [SINCH, FONE_DYNAMICS], ids=lambda spec: spec.conn_type)
def test_connection_form_add_test_and_edit(
    browser: Chrome,
    airflow_ui: str,
    airflow_api: requests.Session,
    sms_sandbox: SandboxServer,
    spec: FormSpec,
) -> None:
    page = ConnectionsPage(browser, airflow_ui)
    sandbox_port = str(urlsplit(sms_sandbox.url).port)
    conn_id = f"ui_{spec.conn_type}"

    # 1. The add form: labels, the password input, drop-downs and defaults.
    page.open()
    dialog = page.start_adding(spec.hook_name)
    page.open_section(dialog, "Standard Fields")
    assert {name: page.standard_label(dialog, name) for name in spec.standard_labels} == spec.standard_labels
    assert page.input_type(dialog, "password") == "password"
    screenshot_dir = os.environ.get("SMS_DOCS_SCREENSHOT_DIR")
    if screenshot_dir:
        page.screenshot(dialog, Path(screenshot_dir) / f"connection-form-{spec.conn_type}-standard.png")
    page.open_section(dialog, "Extra Fields")
    assert page.extra_labels(dialog) == list(spec.extra_labels)
    for name, default in spec.dropdowns.items():
        assert page.is_dropdown(dialog, name), name
        assert page.extra_value(dialog, name) == default
    for name, default in spec.number_defaults.items():
        assert page.extra_value(dialog, name) == default
        assert page.extra_role(dialog, name) == "spinbutton"
    if screenshot_dir:
        page.screenshot(dialog, Path(screenshot_dir) / f"connection-form-{spec.conn_type}-extra.png")

    # 2. Fill it in, pointing at the sandbox, and save.
    fill_in(page, dialog, spec, conn_id, sms_sandbox.url, sandbox_port, spec.token)
    page.save(dialog)
    stored = stored_connection(airflow_api, airflow_ui, conn_id)
    assert (stored["conn_type"], stored["host"], stored["login"], stored["port"]) == (
        spec.conn_type,
        sms_sandbox.url,
        spec.login,
        int(sandbox_port),
    )
    extra = json.loads(stored["extra"])
    assert {name: extra.get(name) for name in spec.expected_extra()} == spec.expected_extra()

    # 3. The list's "Test Connection" button, as docs/connections.md recommends on Airflow 3.3.
    page.open()
    title, message = page.test_connection(conn_id)
    assert (title, message.startswith(spec.success)) == ("Test Connection Successful", True), message

    # 4. The same connection with a wrong token: the failure names the 401.
    bad_id = f"{conn_id}_wrong_token"
    dialog = page.start_adding(spec.hook_name)
    fill_in(page, dialog, spec, bad_id, sms_sandbox.url, sandbox_port, WRONG_TOKEN)
    page.save(dialog)
    title, message = page.test_connection(bad_id)
    assert title == "Test Connection Failed"
    assert "401" in message, message
    assert WRONG_TOKEN not in message

    # 5. Edit: the form shows every value saved; saving a change keeps the others, and the test still passes.
    dialog = page.start_editing(conn_id)
    page.open_section(dialog, "Standard Fields")
    shown = {name: page.value(dialog, name) for name in ("host", "login", "port")}
    assert shown == {"host": sms_sandbox.url, "login": spec.login, "port": sandbox_port}
    page.fill(dialog, {"description": "edited in the browser test"})
    page.open_section(dialog, "Extra Fields")
    for name, value in spec.expected_extra().items():
        assert page.extra_value(dialog, name) == str(value), name
    page.save(dialog)
    edited = stored_connection(airflow_api, airflow_ui, conn_id)
    assert edited["description"] == "edited in the browser test"
    assert json.loads(edited["extra"]) == extra
    assert (edited["host"], edited["login"], edited["port"]) == (
        stored["host"],
        stored["login"],
        stored["port"],
    )
    title, message = page.test_connection(conn_id)
    assert (title, message.startswith(spec.success)) == ("Test Connection Successful", True), message


def fill_in(
    page: ConnectionsPage, dialog: WebElement, spec: FormSpec, conn_id: str, url: str, port: str, token: str
) -> None:
    """Fill in the add form, section by section."""
    page.fill(dialog, {"connection_id": conn_id})
    page.open_section(dialog, "Standard Fields")
    page.fill(dialog, {"host": url, "port": port, "login": spec.login, "password": token})
    page.open_section(dialog, "Extra Fields")
    page.fill(dialog, {f"element_{name}": value for name, value in spec.extra_input.items()})
    for name, value in spec.extra_choice.items():
        page.choose_extra(dialog, name, value)
