// The one translation unit that compiles Asio's and Beast's implementations
// (BOOST_ASIO_SEPARATE_COMPILATION, BOOST_BEAST_SEPARATE_COMPILATION): every other Beast
// user includes declarations only and compiles about twice as fast.
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
