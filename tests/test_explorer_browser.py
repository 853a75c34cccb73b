"""The polysemy explorer in a real headless Chromium: type, embed, click a word, read the heat
maps and projections. Skips (saying why) where Chromium, its driver or selenium is missing;
`.ci/run` installs them. With ELMO_EXPLORER_SCREENSHOT=PATH the Chinese test also saves its
screenshot there (the README's picture: docs/images/explorer.png)."""
import os
import shutil

import pytest
from serving import Running

import elmo
from elmo.serve.app import create_app

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed "
                                "(pip install selenium)")
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER), reason=(
    "no Chromium browser and driver on PATH (Debian: apt-get install chromium chromium-driver)"))


@pytest.fixture(scope="module")
def browser():
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1300,1400",
                     "--disable-dev-shm-usage"):
        options.add_argument(argument)
    chromium = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield chromium
    chromium.quit()


def wait_for(browser, css: str, count: int = 1, timeout: float = 60):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, timeout).until(
        lambda b: (lambda found: found if len(found) >= count else False)(
            b.find_elements(By.CSS_SELECTOR, css)))


def test_clicking_a_chinese_word_shows_its_layers(browser, tmp_path):
    from selenium.webdriver.common.by import By

    with Running(create_app(elmo.load("zh-small"))) as server:
        browser.get(server.url + "/")
        tokens = wait_for(browser, ".token", count=10)  # the example sentences, embedded
        assert "zh-small: 3 layers of 256" in browser.find_element(By.ID, "model").text
        next(token for token in tokens if token.text == "苹果").click()
        layers = wait_for(browser, ".layer", count=3)
        assert [layer.find_element(By.TAG_NAME, "h3").text for layer in layers] == [
            "layer 0 (context-free)", "layer 1", "layer 2"]
        occurrences = len([token for token in tokens if token.text == "苹果"])
        cells = layers[0].find_elements(By.CSS_SELECTOR, "table.heat td")
        assert len(cells) == occurrences ** 2
        assert {cell.text for cell in cells} == {"1.00"}  # layer 0 is context-free
        top = {cell.text for cell in layers[2].find_elements(By.CSS_SELECTOR, "table.heat td")}
        assert len(top) > 1  # the top layer's vectors depend on the sentence
        assert len(layers[2].find_elements(By.CSS_SELECTOR, "svg circle")) == occurrences
        assert browser.find_element(By.ID, "status").text == ""
        screenshot = os.environ.get("ELMO_EXPLORER_SCREENSHOT", str(tmp_path / "explorer.png"))
        browser.save_screenshot(screenshot)
        assert os.path.getsize(screenshot) > 10_000


def test_an_english_example_its_neighbours_and_a_server_error_are_shown(browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from elmo.analysis.neighbors import NeighbourIndex, build_index

    model = elmo.load("bilm-tf-tiny")
    corpus = [["I", "play", "chess"], ["a", "play", "by", "Shakespeare"], ["the", "bank", "agreed"]]
    build_index(model, corpus, tmp_path / "index", progress=False)
    index = NeighbourIndex(tmp_path / "index", model)
    with Running(create_app(model, index=index)) as server:
        browser.get(server.url + "/")
        wait_for(browser, ".token", count=5)
        browser.find_element(By.ID, "english").click()
        wait_for(browser, ".token", count=40)
        play = [token for token in browser.find_elements(By.CSS_SELECTOR, ".token")
                if token.text == "play"]
        play[0].click()
        assert len(wait_for(browser, ".layer", count=3)[1].find_elements(
            By.CSS_SELECTOR, "table.heat td")) == len(play) ** 2
        neighbours = wait_for(browser, "#contextual li", count=2)
        assert {item.find_element(By.TAG_NAME, "mark").text for item in neighbours} == {"play"}
        assert len(browser.find_elements(By.CSS_SELECTOR, "#static li")) > 0
        browser.find_element(By.ID, "texts").clear()
        browser.find_element(By.ID, "texts").send_keys(" ".join(["word"] * 500))
        browser.find_element(By.ID, "embed").click()
        WebDriverWait(browser, 30).until(
            lambda b: "500 tokens" in b.find_element(By.ID, "status").text)
