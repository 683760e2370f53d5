# The two commands a newcomer needs: `make run` and `make test`.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck migrations-check setup venv demo clean

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

venv: $(STAMP)

setup: $(STAMP)
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py load_reference_data
	$(BIN)/python manage.py create_demo_accounts
	$(BIN)/python manage.py policies_demo
	$(BIN)/python manage.py evaluations_demo
	$(BIN)/python manage.py hotline_demo

run: setup
	@echo "平台地址: http://127.0.0.1:$(PORT)/  API 文档: http://127.0.0.1:$(PORT)/api/docs/"
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT) --noreload

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

migrations-check: $(STAMP)
	$(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var/govsvc.sqlite3
