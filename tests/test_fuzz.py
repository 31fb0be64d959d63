import pytest

from conftest import smooth_photo
from inrzip import encoder
from inrzip.tools import fuzz


@pytest.mark.parametrize("which", ["siren-q16", "shared-body-ans", "rgba-metadata-v2"])
def test_brief_fuzz_finds_no_crash(which, request):
    if which == "rgba-metadata-v2":
        data = fuzz.seed_file(extras=True, init=request.getfixturevalue("tiny_basis"))
        assert data[4] == 2
    elif which == "siren-q16":
        init = request.getfixturevalue("tiny_init")
        data = encoder.encode(smooth_photo(20, 28, 1), quality=2, init=init, steps=3, codec="q16").data
    else:
        init = request.getfixturevalue("tiny_basis")
        data = encoder.encode(smooth_photo(20, 28, 1), quality=9, init=init, steps=3).data
    tried, refused, crashes = fuzz.run(400, seed=1, data=data)
    assert crashes == 0 and tried == 400
    assert refused >= 398  # every real change is caught by the checksum or the frame checks


@pytest.mark.parametrize("init_fixture", ["tiny_init", "tiny_basis"])
def test_every_listed_bad_input_gets_one_line_and_a_nonzero_exit(init_fixture, request):
    init = request.getfixturevalue(init_fixture)
    good = encoder.encode(smooth_photo(20, 28, 1), quality=2, init=init, steps=3).data
    rows = fuzz.catalogue(good, init=init)
    assert len(rows) == len(fuzz.bad_inputs(good)) >= 20
    for kind, what, code, message in rows:
        assert code != 0, (kind, what, message)
        assert message.startswith("inrzip: error:") and len(message.splitlines()) == 1, (what, message)
        assert "[left" not in message and "Traceback" not in message
