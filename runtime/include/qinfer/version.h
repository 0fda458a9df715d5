// Library version and the commit it was built from.
#pragma once

namespace qinfer {

// e.g. "0.1.0 (abc1234)"
const char* version_string();

}  // namespace qinfer
